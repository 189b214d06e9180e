import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { ThreatEventAction, ThreatEventBucket, ThreatEventIndicatorType, ThreatEventSource } from './enums';
import { ThreatEventFirewallModel } from './threat-event.model';

@ObjectType('IndicatorEventCount', { description: 'Events of one indicator.' })
export class IndicatorEventCountModel {
  @Field({ description: 'The indicator.' })
  indicator!: string;

  @Field(() => ThreatEventIndicatorType, { description: 'Its kind.' })
  indicatorType!: ThreatEventIndicatorType;

  @Field(() => Int, { description: 'Events in the range.' })
  count!: number;
}

@ObjectType('FirewallEventCount', { description: 'Events of one firewall.' })
export class FirewallEventCountModel {
  @Field(() => ID, { description: 'The firewall.' })
  firewallId!: string;

  @Field(() => ThreatEventFirewallModel, { nullable: true, description: 'The firewall (null if deleted).' })
  firewall!: ThreatEventFirewallModel | null;

  @Field(() => Int, { description: 'Events in the range.' })
  count!: number;
}

@ObjectType('ActionEventCount', { description: 'Events with one action.' })
export class ActionEventCountModel {
  @Field(() => ThreatEventAction, { description: 'What the firewall did.' })
  action!: ThreatEventAction;

  @Field({ description: 'True for dry-run events (action LOG: "would have taken action: drop").' })
  dryRun!: boolean;

  @Field(() => Int, { description: 'Events in the range.' })
  count!: number;
}

@ObjectType('SourceEventCount', { description: 'Events of one feed module.' })
export class SourceEventCountModel {
  @Field(() => ThreatEventSource, { description: 'MDR or X-Ops.' })
  source!: ThreatEventSource;

  @Field(() => Int, { description: 'Events in the range.' })
  count!: number;
}

@ObjectType('ThreatEventSeriesPoint', { description: 'Events in one bucket of the time series.' })
export class ThreatEventSeriesPointModel {
  @Field({
    description: 'Start of the bucket (buckets are aligned on multiples of their width since the epoch).',
  })
  start!: Date;

  @Field(() => Int, { description: 'Events in the bucket.' })
  count!: number;

  @Field(() => Int, { description: 'Of which dropped.' })
  dropped!: number;

  @Field(() => Int, { description: 'Of which dry runs.' })
  dryRun!: number;
}

@ObjectType('ThreatEventSummary', { description: 'Counts of threat events in a time range.' })
export class ThreatEventSummaryModel {
  @Field({ description: 'Start of the range (inclusive).' })
  from!: Date;

  @Field({ description: 'End of the range (exclusive).' })
  to!: Date;

  @Field(() => ThreatEventBucket, { description: 'Width of a point of `series`.' })
  bucket!: ThreatEventBucket;

  @Field(() => Int, { description: 'Events in the range.' })
  total!: number;

  @Field(() => [IndicatorEventCountModel], {
    description: 'The indicators with the most events, most first.',
  })
  byIndicator!: IndicatorEventCountModel[];

  @Field(() => [FirewallEventCountModel], { description: 'The firewalls with the most events, most first.' })
  byFirewall!: FirewallEventCountModel[];

  @Field(() => [ActionEventCountModel], { description: 'Events by action (and dry run).' })
  byAction!: ActionEventCountModel[];

  @Field(() => [SourceEventCountModel], { description: 'Events by feed module (MDR, X-Ops).' })
  bySource!: SourceEventCountModel[];

  @Field(() => [ThreatEventSeriesPointModel], {
    description: 'Events per bucket over the range, oldest first, empty buckets included.',
  })
  series!: ThreatEventSeriesPointModel[];
}
