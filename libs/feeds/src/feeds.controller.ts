import { Body, Controller, Delete, Get, Headers, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { CurrentApiKey, Roles, type ApiKeyPrincipal } from '@threatline/auth';
import { ApiKeyRole } from '@threatline/db';
import { FeedPushService } from './feed-push.service';
import { feedScopeOf, FeedsService } from './feeds.service';
import type { FeedAcceptedResponse, FeedResponse, NormalizeResult } from './models/feed.response';

/** MDR feed publishing (contract section 4): push, preview, read and revoke. */
@Controller('api/v1')
export class FeedsController {
  constructor(
    private readonly push: FeedPushService,
    private readonly feeds: FeedsService,
  ) {}

  /** 202 once the feed is durable; the publish job does the rest. */
  @Post('feeds')
  @Roles(ApiKeyRole.MDR_ANALYST)
  @HttpCode(HttpStatus.ACCEPTED)
  pushFeed(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<FeedAcceptedResponse> {
    return this.push.push(caller, body, idempotencyKey);
  }

  @Post('indicators/normalize')
  @Roles(ApiKeyRole.MDR_ANALYST)
  @HttpCode(HttpStatus.OK)
  normalize(@Body() body: unknown): { results: NormalizeResult[] } {
    return this.push.normalize(body);
  }

  @Get('feeds/:feedId')
  @Roles(ApiKeyRole.MDR_ANALYST)
  getFeed(@CurrentApiKey() caller: ApiKeyPrincipal, @Param('feedId') feedId: string): Promise<FeedResponse> {
    return this.feeds.get(feedScopeOf(caller), feedId);
  }

  /** 202: the feed is REVOKING; the revoke job removes its indicators from every firewall. */
  @Delete('feeds/:feedId')
  @Roles(ApiKeyRole.MDR_ANALYST)
  @HttpCode(HttpStatus.ACCEPTED)
  revokeFeed(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @Param('feedId') feedId: string,
  ): Promise<FeedResponse> {
    return this.feeds.revoke(caller, feedScopeOf(caller), feedId);
  }
}
