import { Args, ID, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentApiKey, Roles, type ApiKeyPrincipal } from '@threatline/auth';
import { ApiKeyRole } from '@threatline/db';
import { Connection } from '@threatline/graphql-kit';
import { FeedsArgs } from './dtos/feeds.args';
import { feedScopeOf, FeedsService } from './feeds.service';
import { FeedConnection, FeedDeliveryModel, FeedModel } from './models/feed.model';

/**
 * Analysts read their provider's feeds, fleet admins and read-only keys the feeds that target their tenant
 * (and only their tenant's targets and firewalls), operators the X-Ops feeds.
 */
const FEED_READERS = [
  ApiKeyRole.MDR_ANALYST,
  ApiKeyRole.FLEET_ADMIN,
  ApiKeyRole.READ_ONLY,
  ApiKeyRole.OPERATOR,
];

@Resolver(() => FeedModel)
export class FeedsResolver {
  constructor(private readonly service: FeedsService) {}

  @Query(() => FeedConnection, { description: 'Feeds the caller may see, newest first.' })
  @Roles(...FEED_READERS)
  feeds(@CurrentApiKey() caller: ApiKeyPrincipal, @Args() args: FeedsArgs): Promise<Connection<FeedModel>> {
    const { first, after, auditId } = args;
    return this.service.list(feedScopeOf(caller), { auditId }, { first, after });
  }

  @Query(() => FeedModel, { description: 'One feed the caller may see.' })
  @Roles(...FEED_READERS)
  feed(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @Args('id', { type: () => ID, description: 'The feed.' }) id: string,
  ): Promise<FeedModel> {
    return this.service.getModel(feedScopeOf(caller), id);
  }

  @ResolveField(() => FeedDeliveryModel, {
    description: 'How many targeted firewalls have applied the feed (true per-firewall acknowledgements).',
  })
  delivery(@Parent() feed: FeedModel): Promise<FeedDeliveryModel> {
    return this.service.delivery(feed);
  }
}
