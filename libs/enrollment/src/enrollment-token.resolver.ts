import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import {
  type ApiKeyPrincipal,
  CurrentApiKey,
  CurrentTenant,
  Roles,
  TENANT_READERS,
  TENANT_WRITERS,
} from '@threatline/auth';
import { CreateEnrollmentTokenArgs } from './dtos/create-enrollment-token.args';
import { EnrollmentTokensArgs } from './dtos/enrollment-tokens.args';
import { EnrollmentTokenService } from './enrollment-token.service';
import {
  CreatedEnrollmentTokenModel,
  EnrollmentTokenConnection,
  EnrollmentTokenModel,
} from './models/enrollment-token.model';

@Resolver()
export class EnrollmentTokenResolver {
  constructor(private readonly tokens: EnrollmentTokenService) {}

  @Query(() => EnrollmentTokenConnection, {
    description: 'The enrollment tokens of the tenant, newest first (metadata only, never secrets).',
  })
  @Roles(...TENANT_READERS)
  enrollmentTokens(@CurrentTenant() tenantId: string, @Args() args: EnrollmentTokensArgs) {
    const { groupId, first, after } = args;
    return this.tokens.list(tenantId, groupId, { first, after });
  }

  @Mutation(() => CreatedEnrollmentTokenModel, {
    description: 'Creates an enrollment token for a group; its secret is returned once.',
  })
  @Roles(...TENANT_WRITERS)
  createEnrollmentToken(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @CurrentTenant() tenantId: string,
    @Args() args: CreateEnrollmentTokenArgs,
  ) {
    return this.tokens.create(caller, tenantId, args);
  }

  @Mutation(() => EnrollmentTokenModel, {
    description: 'Revokes an enrollment token at once; firewalls it enrolled stay enrolled.',
  })
  @Roles(...TENANT_WRITERS)
  revokeEnrollmentToken(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @CurrentTenant() tenantId: string,
    @Args('id', { type: () => ID, description: 'The token.' }) id: string,
  ) {
    return this.tokens.revoke(caller, tenantId, id);
  }
}
