import { Module } from '@nestjs/common';
import { FeedJobs } from './feed-jobs';
import { FeedPushService } from './feed-push.service';
import { FeedsController } from './feeds.controller';
import { FeedsRepository } from './feeds.repository';
import { FeedsResolver } from './feeds.resolver';
import { FeedsService } from './feeds.service';
import { XopsController } from './xops.controller';

/** The API side of feeds: push, normalize, read, revoke (REST and GraphQL) and the X-Ops load. */
@Module({
  controllers: [FeedsController, XopsController],
  providers: [FeedsRepository, FeedPushService, FeedsService, FeedsResolver, FeedJobs],
})
export class FeedsModule {}
