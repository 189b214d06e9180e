import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import {
  type ApiKeyPrincipal,
  CurrentApiKey,
  CurrentTenant,
  Roles,
  TENANT_READERS,
  TENANT_WRITERS,
} from '@threatline/auth';
import { AddThreatExclusionArgs } from './dtos/add-threat-exclusion.args';
import { ThreatExclusionsArgs } from './dtos/threat-exclusions.args';
import { ExclusionsService } from './exclusions.service';
import { ThreatExclusionConnection, ThreatExclusionModel } from './models/threat-exclusion.model';

@Resolver()
export class ExclusionsResolver {
  constructor(private readonly exclusions: ExclusionsService) {}

  @Query(() => ThreatExclusionConnection, { description: 'The threat exclusions of a group, oldest first.' })
  @Roles(...TENANT_READERS)
  threatExclusions(@CurrentTenant() tenantId: string, @Args() args: ThreatExclusionsArgs) {
    const { groupId, first, after } = args;
    return this.exclusions.list(tenantId, groupId, { first, after });
  }

  @Mutation(() => ThreatExclusionModel, {
    description: 'Adds a threat exclusion to a group; the value is stored normalized.',
  })
  @Roles(...TENANT_WRITERS)
  addThreatExclusion(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @CurrentTenant() tenantId: string,
    @Args() args: AddThreatExclusionArgs,
  ) {
    return this.exclusions.add(caller, tenantId, args);
  }

  @Mutation(() => ThreatExclusionModel, {
    description: 'Removes a threat exclusion; returns what was removed.',
  })
  @Roles(...TENANT_WRITERS)
  removeThreatExclusion(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @CurrentTenant() tenantId: string,
    @Args('id', { type: () => ID, description: 'The exclusion.' }) id: string,
  ) {
    return this.exclusions.remove(caller, tenantId, id);
  }
}
