import { Injectable } from '@nestjs/common';
import { AuditService } from '@threatline/audit';
import { actorOf, ApiKeyPrincipal } from '@threatline/auth';
import { ApiKeyRole, FeedSource, FeedStatus } from '@threatline/db';
import { NotFoundException, ValidationException } from '@threatline/errors';
import {
  Connection,
  decodeCursor,
  encodeCursor,
  isUuid,
  PageArgs,
  pageSizeOf,
  toConnection,
} from '@threatline/graphql-kit';
import { XOPS_STREAM_ID } from '@threatline/protocol';
import { FeedJobs } from './feed-jobs';
import { targetStreamId } from './feed-streams';
import { FeedRow, FeedScope, FeedsRepository } from './feeds.repository';
import type { FeedResponse } from './models/feed.response';
import type { FeedDeliveryModel, FeedModel } from './models/feed.model';

/** The scope a credential reads feeds in: its provider's, its tenant's, or (operators) the X-Ops feeds. */
export function feedScopeOf(caller: ApiKeyPrincipal): FeedScope {
  switch (caller.role) {
    case ApiKeyRole.MDR_ANALYST:
      return { kind: 'provider', providerId: caller.providerId! };
    case ApiKeyRole.FLEET_ADMIN:
    case ApiKeyRole.READ_ONLY:
      return { kind: 'tenant', tenantId: caller.tenantId! };
    case ApiKeyRole.OPERATOR:
      return { kind: 'xops' };
  }
}

/** Reading feeds and revoking them, always within the caller's FeedScope. */
@Injectable()
export class FeedsService {
  constructor(
    private readonly repository: FeedsRepository,
    private readonly audit: AuditService,
    private readonly jobs: FeedJobs,
  ) {}

  async get(scope: FeedScope, id: string): Promise<FeedResponse> {
    const feed = await this.require(scope, id);
    return toResponse(feed, await this.delivery(feed));
  }

  async getModel(scope: FeedScope, id: string): Promise<FeedModel> {
    return toModel(await this.require(scope, id));
  }

  async list(
    scope: FeedScope,
    filter: { auditId?: string | null },
    page: PageArgs,
  ): Promise<Connection<FeedModel>> {
    const size = pageSizeOf(page);
    // A search: an audit ID that names no visible feed finds nothing, like any other filter.
    const auditId = filter.auditId?.trim().toUpperCase() || undefined;
    const after = page.after ? decodeAfter(page.after) : undefined;
    const rows = await this.repository.listFeeds(
      scope,
      { ...(auditId ? { auditId } : {}), ...(after ? { after } : {}) },
      size + 1,
    );
    return toConnection(rows, size, toModel, (row) => encodeCursor([row.createdAt.toISOString(), row.id]));
  }

  /**
   * Revokes a feed: REVOKING now (with its audit records), the revoke job removes its indicators from every
   * stream and marks it REVOKED. Revoking a feed again answers its current state and changes nothing.
   */
  async revoke(caller: ApiKeyPrincipal, scope: FeedScope, id: string): Promise<FeedResponse> {
    if (!isUuid(id)) throw new NotFoundException('Feed', id);
    const marked = await this.repository.transaction(async (tx) => {
      const result = await this.repository.markRevoking(tx, scope, id);
      if (!result) throw new NotFoundException('Feed', id);
      if (result.changed) {
        const tenantIds = result.feed.source === FeedSource.XOPS ? [null] : tenantsOf(result.feed);
        for (const tenantId of tenantIds) {
          await this.audit.record(tx, actorOf(caller), {
            tenantId,
            action: result.feed.source === FeedSource.XOPS ? 'xops.revoke' : 'feed.revoke',
            entityType: 'Feed',
            entityId: id,
            after: { auditId: result.feed.auditId, status: result.feed.status },
          });
        }
      }
      return result.feed;
    });
    if (marked.status === FeedStatus.REVOKING) await this.jobs.requestRevoke(id);
    return toResponse(marked, await this.delivery(marked));
  }

  private async require(scope: FeedScope, id: string): Promise<FeedRow> {
    const feed = isUuid(id) ? await this.repository.findFeed(scope, id) : null;
    if (!feed) throw new NotFoundException('Feed', id);
    return feed;
  }

  /**
   * How many managed firewalls the feed targets and how many have applied it, over the targets given (for a
   * tenant key, those in its tenant only, so it counts its own firewalls and nothing else).
   */
  async delivery(feed: Pick<FeedRow, 'id' | 'source' | 'targets'>): Promise<FeedDeliveryModel> {
    const { targeted, applied } = await this.repository.delivery(
      feed.id,
      feed.source,
      feed.targets.map((target) => ({ ...target, streamId: targetStreamId(target) })),
      XOPS_STREAM_ID,
    );
    return { targetedFirewalls: targeted, appliedFirewalls: applied };
  }
}

function tenantsOf(feed: FeedRow): string[] {
  return [...new Set(feed.targets.map((target) => target.tenantId))];
}

function toModel(row: FeedRow): FeedModel {
  return {
    id: row.id,
    auditId: row.auditId,
    source: row.source,
    status: row.status,
    description: row.description,
    severity: row.severity,
    dryRun: row.dryRun,
    indicatorCount: row.indicatorCount,
    targets: row.targets,
    createdAt: row.createdAt,
    publishedAt: row.publishedAt,
    revokedAt: row.revokedAt,
  };
}

function toResponse(row: FeedRow, delivery: FeedDeliveryModel): FeedResponse {
  return {
    feedId: row.id,
    auditId: row.auditId,
    source: row.source,
    status: row.status,
    description: row.description,
    severity: row.severity,
    dryRun: row.dryRun,
    createdAt: row.createdAt.toISOString(),
    publishedAt: row.publishedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    targets: row.targets,
    indicatorCount: row.indicatorCount,
    delivery,
  };
}

function decodeAfter(cursor: string): { createdAt: Date; id: string } {
  const [createdAt, id] = decodeCursor(cursor, 2);
  const at = typeof createdAt === 'string' ? new Date(createdAt) : null;
  if (!at || Number.isNaN(at.getTime()) || typeof id !== 'string' || !isUuid(id)) {
    throw new ValidationException('The cursor `after` is not one this API issued.', { field: 'after' });
  }
  return { createdAt: at, id };
}
