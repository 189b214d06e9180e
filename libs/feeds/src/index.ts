export { FeedsModule } from './feeds.module';
export { FeedsWorkerModule } from './feeds-worker.module';
export type { FeedsWorkerOptions } from './feeds-worker.options';
export { FeedPublisherService } from './feed-publisher.service';
export { FeedSweepService } from './feed-sweep.service';
export { FeedLeases, type HeldLease } from './feed-leases';
export { FEED_BODY_LIMIT_BYTES, FEED_BODY_ROUTES, MAX_INDICATORS_PER_FEED } from './feed-limits';
export { AUDIT_ID_PATTERN } from './audit-id';
export type { FeedAcceptedResponse, FeedResponse, NormalizeResult } from './models/feed.response';
