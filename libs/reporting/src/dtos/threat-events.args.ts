import { ArgsType, Field, ID, Int } from '@nestjs/graphql';
import { PageArgs } from '@threatline/graphql-kit';
import { ThreatEventBucket } from '../models/enums';
import { ThreatEventFilterInput } from './threat-event-filter.input';

@ArgsType()
export class ThreatEventsArgs extends PageArgs {
  @Field(() => ThreatEventFilterInput, {
    nullable: true,
    description: 'Which events; all of them when absent.',
  })
  filter?: ThreatEventFilterInput | null;
}

@ArgsType()
export class ThreatEventSummaryArgs {
  @Field(() => Date, { nullable: true, description: 'Start of the range (default: 24 hours before `to`).' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'End of the range, exclusive (default: now).' })
  to?: Date | null;

  @Field(() => ThreatEventBucket, { nullable: true, description: 'Width of a series point (default HOUR).' })
  bucket?: ThreatEventBucket | null;

  @Field(() => ID, {
    nullable: true,
    description: "One tenant: for MDR analysts, one of the provider's tenants (default: all of its tenants).",
  })
  tenantId?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'How many indicators and firewalls to list (default 10, at most 100).',
  })
  top?: number | null;
}
