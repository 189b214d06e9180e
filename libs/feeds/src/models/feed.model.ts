import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { Paginated } from '@threatline/graphql-kit';
import { FeedSource, FeedStatus } from './enums';

@ObjectType('FeedTarget', { description: 'Where a feed goes: a whole tenant, or one firewall group of it.' })
export class FeedTargetModel {
  @Field(() => ID, { description: 'The targeted tenant.' })
  tenantId!: string;

  @Field(() => ID, { nullable: true, description: 'The targeted group; null targets the whole tenant.' })
  groupId!: string | null;
}

@ObjectType('FeedDelivery', { description: 'How far a feed has reached the firewalls it targets.' })
export class FeedDeliveryModel {
  @Field(() => Int, { description: 'Managed firewalls the feed targets (in the tenants the caller sees).' })
  targetedFirewalls!: number;

  @Field(() => Int, {
    description:
      'Of those, the firewalls that have applied and acknowledged the feed (its revocation, once revoked).',
  })
  appliedFirewalls!: number;
}

@ObjectType('Feed', { description: 'A push of threat indicators (MDR) or an X-Ops load.' })
export class FeedModel {
  @Field(() => ID, { description: 'Feed id.' })
  id!: string;

  @Field({ description: 'Audit ID, e.g. MDR-20261123-K7F3Q9XA; events caused by the feed carry it.' })
  auditId!: string;

  @Field(() => FeedSource, { description: 'MDR or XOPS.' })
  source!: FeedSource;

  @Field(() => FeedStatus, { description: 'Publication status.' })
  status!: FeedStatus;

  @Field({ description: 'What the analyst wrote about the feed (may be empty).' })
  description!: string;

  @Field(() => String, { nullable: true, description: 'low, medium, high or critical, when given.' })
  severity!: string | null;

  @Field({ description: 'A dry-run feed never drops traffic; its events say what would have happened.' })
  dryRun!: boolean;

  @Field(() => Int, { description: 'Distinct indicators the feed holds (duplicates of the push merged).' })
  indicatorCount!: number;

  @Field(() => [FeedTargetModel], {
    description: 'Its targets (for a tenant key, only the targets in that tenant).',
  })
  targets!: FeedTargetModel[];

  @Field({ description: 'When it was pushed.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When its publication started.' })
  publishedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When its revocation was requested.' })
  revokedAt!: Date | null;
}

export const FeedConnection = Paginated(FeedModel);
