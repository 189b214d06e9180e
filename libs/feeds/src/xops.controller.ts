import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { CurrentApiKey, OPERATORS, Roles, type ApiKeyPrincipal } from '@threatline/auth';
import { FeedPushService } from './feed-push.service';
import { FeedsService } from './feeds.service';
import type { FeedAcceptedResponse, FeedResponse } from './models/feed.response';

const XOPS_SCOPE = { kind: 'xops' } as const;

/**
 * Loading the global X-Ops stream (platform operators): a text/plain list of IoCs, one per line, bare or in
 * Adblock or hosts-file syntax (libs/ioc parseBlocklistLine), becomes one XOPS feed. `?description=` names it.
 */
@Controller('api/v1/xops/imports')
export class XopsController {
  constructor(
    private readonly push: FeedPushService,
    private readonly feeds: FeedsService,
  ) {}

  @Post()
  @Roles(...OPERATORS)
  @HttpCode(HttpStatus.ACCEPTED)
  importList(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @Body() text: unknown,
    @Query('description') description: unknown,
  ): Promise<FeedAcceptedResponse> {
    return this.push.importXops(caller, text, description);
  }

  @Get(':feedId')
  @Roles(...OPERATORS)
  getImport(@Param('feedId') feedId: string): Promise<FeedResponse> {
    return this.feeds.get(XOPS_SCOPE, feedId);
  }

  @Delete(':feedId')
  @Roles(...OPERATORS)
  @HttpCode(HttpStatus.ACCEPTED)
  revokeImport(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @Param('feedId') feedId: string,
  ): Promise<FeedResponse> {
    return this.feeds.revoke(caller, XOPS_SCOPE, feedId);
  }
}
