import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { ApiKeyPrincipal } from '@threatline/auth';
import {
  actorOf,
  CurrentApiKey,
  CurrentTenant,
  Roles,
  TENANT_READERS,
  TENANT_WRITERS,
} from '@threatline/auth';
import { ThreatFeedAction } from '@threatline/db';
import { Connection } from '@threatline/graphql-kit';
import { FirewallsArgs } from './dtos/firewalls.args';
import { FleetService } from './fleet.service';
import { FirewallGroupModel } from './models/firewall-group.model';
import { FirewallConnection, FirewallModel } from './models/firewall.model';

const firewallIdArg = { type: () => ID, description: 'The firewall.' } as const;

@Resolver()
export class FleetResolver {
  constructor(private readonly fleet: FleetService) {}

  @Query(() => [FirewallGroupModel], { description: 'The firewall groups of the tenant.' })
  @Roles(...TENANT_READERS)
  firewallGroups(@CurrentTenant() tenantId: string): Promise<FirewallGroupModel[]> {
    return this.fleet.listGroups(tenantId);
  }

  @Query(() => FirewallConnection, { description: 'The firewalls of the tenant, by serial, with filters.' })
  @Roles(...TENANT_READERS)
  firewalls(
    @CurrentTenant() tenantId: string,
    @Args() args: FirewallsArgs,
  ): Promise<Connection<FirewallModel>> {
    const { first, after, ...query } = args;
    return this.fleet.listFirewalls(tenantId, query, { first, after });
  }

  @Query(() => FirewallModel, { description: 'One firewall of the tenant.' })
  @Roles(...TENANT_READERS)
  firewall(@CurrentTenant() tenantId: string, @Args('id', firewallIdArg) id: string): Promise<FirewallModel> {
    return this.fleet.getFirewall(tenantId, id);
  }

  @Mutation(() => FirewallGroupModel, {
    description: 'Creates a firewall group, optionally nested in another.',
  })
  @Roles(...TENANT_WRITERS)
  createFirewallGroup(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @CurrentTenant() tenantId: string,
    @Args('name', { description: 'Name, unique in the tenant (1 to 100 characters).' }) name: string,
    @Args('parentId', { type: () => ID, nullable: true, description: 'Parent group.' })
    parentId?: string | null,
  ): Promise<FirewallGroupModel> {
    return this.fleet.createGroup(actorOf(caller), tenantId, name, parentId ?? null);
  }

  @Mutation(() => FirewallModel, {
    description: 'Moves a firewall to another group (its exclusions follow the group).',
  })
  @Roles(...TENANT_WRITERS)
  moveFirewall(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @CurrentTenant() tenantId: string,
    @Args('firewallId', firewallIdArg) firewallId: string,
    @Args('groupId', { type: () => ID, description: 'The target group.' }) groupId: string,
  ) {
    return this.fleet.moveFirewall(actorOf(caller), tenantId, firewallId, groupId);
  }

  @Mutation(() => FirewallModel, {
    description: 'Approves a firewall that enrolled with an approval-requiring token.',
  })
  @Roles(...TENANT_WRITERS)
  approveFirewall(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @CurrentTenant() tenantId: string,
    @Args('firewallId', firewallIdArg) firewallId: string,
  ) {
    return this.fleet.approveFirewall(actorOf(caller), tenantId, firewallId);
  }

  @Mutation(() => FirewallModel, {
    description: 'Deregisters a firewall: its credential stops working at once.',
  })
  @Roles(...TENANT_WRITERS)
  deregisterFirewall(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @CurrentTenant() tenantId: string,
    @Args('firewallId', firewallIdArg) firewallId: string,
  ) {
    return this.fleet.deregisterFirewall(actorOf(caller), tenantId, firewallId);
  }

  @Mutation(() => FirewallModel, { description: 'Turns MDR threat feeds on or off and sets their action.' })
  @Roles(...TENANT_WRITERS)
  updateMdrThreatFeedSettings(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @CurrentTenant() tenantId: string,
    @Args('firewallId', firewallIdArg) firewallId: string,
    @Args('enabled', { description: 'Module on or off.' }) enabled: boolean,
    @Args('action', { type: () => ThreatFeedAction, description: 'LOG_ONLY or LOG_AND_DROP.' })
    action: ThreatFeedAction,
  ) {
    return this.fleet.updateThreatFeedSettings(actorOf(caller), tenantId, firewallId, 'mdr', enabled, action);
  }

  @Mutation(() => FirewallModel, {
    description: 'Turns Sophos X-Ops threat feeds on or off and sets their action.',
  })
  @Roles(...TENANT_WRITERS)
  updateXopsThreatFeedSettings(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @CurrentTenant() tenantId: string,
    @Args('firewallId', firewallIdArg) firewallId: string,
    @Args('enabled', { description: 'Module on or off.' }) enabled: boolean,
    @Args('action', { type: () => ThreatFeedAction, description: 'LOG_ONLY or LOG_AND_DROP.' })
    action: ThreatFeedAction,
  ) {
    return this.fleet.updateThreatFeedSettings(
      actorOf(caller),
      tenantId,
      firewallId,
      'xops',
      enabled,
      action,
    );
  }

  @Mutation(() => FirewallModel, { description: 'Sets where Active threat response events are reported.' })
  @Roles(...TENANT_WRITERS)
  updateLogSettings(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @CurrentTenant() tenantId: string,
    @Args('firewallId', firewallIdArg) firewallId: string,
    @Args('localReporting', { description: 'Keep events in the local log of the firewall.' })
    localReporting: boolean,
    @Args('centralReporting', { description: 'Send events to central reporting.' }) centralReporting: boolean,
  ) {
    return this.fleet.updateLogSettings(
      actorOf(caller),
      tenantId,
      firewallId,
      localReporting,
      centralReporting,
    );
  }
}
