import { Field, ID, InputType } from '@nestjs/graphql';
import {
  ThreatEventAction,
  ThreatEventDirection,
  ThreatEventModule,
  ThreatEventSource,
} from '../models/enums';

@InputType('ThreatEventFilter', {
  description: 'Which threat events to return; every given field must match.',
})
export class ThreatEventFilterInput {
  @Field(() => ID, {
    nullable: true,
    description: "One tenant: for MDR analysts, one of the provider's tenants (others see only their own).",
  })
  tenantId?: string | null;

  @Field(() => String, { nullable: true, description: 'The audit ID of a feed (exact).' })
  auditId?: string | null;

  @Field(() => ID, { nullable: true, description: 'One firewall.' })
  firewallId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'One firewall group and the groups nested in it (the group a firewall was in at the event).',
  })
  groupId?: string | null;

  @Field(() => String, { nullable: true, description: 'The indicator that matched (exact, normalized).' })
  indicator?: string | null;

  @Field(() => ThreatEventSource, { nullable: true, description: 'MDR or X-Ops threat feeds.' })
  source?: ThreatEventSource | null;

  @Field(() => ThreatEventAction, { nullable: true, description: 'What the firewall did.' })
  action?: ThreatEventAction | null;

  @Field(() => ThreatEventDirection, { nullable: true, description: 'Direction of the traffic.' })
  direction?: ThreatEventDirection | null;

  @Field(() => ThreatEventModule, { nullable: true, description: 'The firewall module that asked.' })
  module?: ThreatEventModule | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Only dry-run events (true) or only real ones (false).',
  })
  dryRun?: boolean | null;

  @Field(() => Date, { nullable: true, description: 'Events at or after this instant.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Events before this instant.' })
  to?: Date | null;

  @Field(() => String, { nullable: true, description: "The endpoint's hostname (case-insensitive)." })
  endpointHost?: string | null;

  @Field(() => String, { nullable: true, description: 'The user on the endpoint (case-insensitive).' })
  endpointUser?: string | null;
}
