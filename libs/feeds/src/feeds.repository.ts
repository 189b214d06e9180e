import { Injectable } from '@nestjs/common';
import { FeedSource, FeedStatus, Prisma, PrismaService, runTransaction } from '@threatline/db';
import type { FeedIndicatorInput } from './feed-lines';

/** Who reads feeds, decided from the verified credential: it bounds every query of this repository. */
export type FeedScope =
  /** An MDR analyst: the feeds of its provider, all their targets. */
  | { kind: 'provider'; providerId: string }
  /** A fleet admin or read-only key: the feeds that target its tenant, and only that tenant's targets. */
  | { kind: 'tenant'; tenantId: string }
  /** A platform operator: the X-Ops feeds. */
  | { kind: 'xops' };

const feedView = {
  id: true,
  auditId: true,
  source: true,
  providerId: true,
  description: true,
  severity: true,
  dryRun: true,
  status: true,
  createdAt: true,
  publishedAt: true,
  revokedAt: true,
} satisfies Prisma.FeedSelect;

export type FeedRow = Prisma.FeedGetPayload<{ select: typeof feedView }> & {
  targets: { tenantId: string; groupId: string | null }[];
  indicatorCount: number;
};

export interface NewFeed {
  id: string;
  auditId: string;
  source: FeedSource;
  providerId: string | null;
  createdByKeyId: string;
  description: string;
  severity: string | null;
  dryRun: boolean;
  idempotencyKey: string | null;
  requestHash: string | null;
  /** The 202 answer, kept to answer a repeated Idempotency-Key. */
  response: Prisma.InputJsonValue | null;
}

export interface FeedTargetInput {
  tenantId: string;
  groupId: string | null;
}

export interface IdempotentAnswer {
  requestHash: string;
  response: Prisma.JsonValue;
}

/** Rows per multi-row INSERT of indicators: 100,000 indicators are five statements. */
const INDICATOR_CHUNK = 20_000;

/** Feeds, their targets and indicators, read within a FeedScope. */
@Injectable()
export class FeedsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The tenants among `tenantIds` that the provider serves. */
  async servedTenantIds(providerId: string, tenantIds: string[]): Promise<Set<string>> {
    const rows = await this.prisma.mdrProviderTenant.findMany({
      where: { providerId, tenantId: { in: tenantIds } },
      select: { tenantId: true },
    });
    return new Set(rows.map((row) => row.tenantId));
  }

  /** The groups among `groupIds` that belong to one of `tenantIds`, with their tenant. */
  findGroups(tenantIds: string[], groupIds: string[]): Promise<{ id: string; tenantId: string }[]> {
    return this.prisma.firewallGroup.findMany({
      where: { id: { in: groupIds }, tenantId: { in: tenantIds } },
      select: { id: true, tenantId: true },
    });
  }

  async findIdempotentAnswer(providerId: string, idempotencyKey: string): Promise<IdempotentAnswer | null> {
    const feed = await this.prisma.feed.findUnique({
      where: { providerId_idempotencyKey: { providerId, idempotencyKey } },
      select: { requestHash: true, response: true },
    });
    return feed?.requestHash ? { requestHash: feed.requestHash, response: feed.response } : null;
  }

  /**
   * Stores a feed with its targets and indicators, status PENDING. Indicators go in multi-row INSERTs (one
   * statement per INDICATOR_CHUNK rows); their expiry is computed by the database clock, the same
   * clock the expiry job compares with.
   */
  async createFeed(
    tx: Prisma.TransactionClient,
    feed: NewFeed,
    targets: FeedTargetInput[],
    indicators: FeedIndicatorInput[],
  ): Promise<void> {
    await tx.feed.create({
      data: { ...feed, response: feed.response ?? Prisma.DbNull, status: FeedStatus.PENDING },
    });
    if (targets.length > 0) {
      await tx.feedTarget.createMany({ data: targets.map((target) => ({ feedId: feed.id, ...target })) });
    }
    for (let start = 0; start < indicators.length; start += INDICATOR_CHUNK) {
      // One JSON text parameter per chunk: several times faster through the driver than per-column arrays.
      const chunk = JSON.stringify(
        indicators.slice(start, start + INDICATOR_CHUNK).map((indicator) => ({
          type: indicator.type,
          value: indicator.value,
          description: indicator.description,
          ttl: indicator.ttlSeconds,
        })),
      );
      await tx.$executeRaw`
        INSERT INTO feed_indicator (feed_id, type, value, description, expires_at)
        SELECT ${feed.id}::uuid, line.type::"IndicatorType", line.value, line.description,
               CASE WHEN line.ttl IS NULL THEN NULL ELSE now() + line.ttl * interval '1 second' END
        FROM jsonb_to_recordset(${chunk}::jsonb) AS line(type text, value text, description text, ttl int)`;
    }
  }

  async findFeed(scope: FeedScope, id: string): Promise<FeedRow | null> {
    const feed = await this.prisma.feed.findFirst({ where: { id, ...visibleIn(scope) }, select: feedView });
    return feed && (await this.withDetails(scope, [feed]))[0]!;
  }

  /** Newest first; `after` is the (createdAt, id) of the last row of the previous page. */
  async listFeeds(
    scope: FeedScope,
    filter: { auditId?: string; after?: { createdAt: Date; id: string } },
    take: number,
  ): Promise<FeedRow[]> {
    const where: Prisma.FeedWhereInput = visibleIn(scope);
    if (filter.auditId !== undefined) where.auditId = filter.auditId;
    const after = filter.after;
    const keyset: Prisma.FeedWhereInput | undefined = after && {
      OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
    };
    const feeds = await this.prisma.feed.findMany({
      where: keyset ? { AND: [where, keyset] } : where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take,
      select: feedView,
    });
    return this.withDetails(scope, feeds);
  }

  /**
   * Marks a visible, not yet revoked feed REVOKING (the revoke job finishes it) and returns it; a feed already
   * revoked or being revoked is returned unchanged. The row lock orders this after a publication in progress.
   */
  async markRevoking(
    tx: Prisma.TransactionClient,
    scope: FeedScope,
    id: string,
  ): Promise<{ feed: FeedRow; changed: boolean } | null> {
    const visible = await tx.feed.findFirst({ where: { id, ...visibleIn(scope) }, select: { id: true } });
    if (!visible) return null;
    const changed = await tx.$executeRaw`
      UPDATE feed SET status = 'REVOKING', revoked_at = now()
      WHERE id = ${id}::uuid AND status IN ('PENDING', 'PUBLISHED')`;
    const feed = await tx.feed.findUniqueOrThrow({ where: { id }, select: feedView });
    return { feed: (await this.withDetails(scope, [feed], tx))[0]!, changed: changed > 0 };
  }

  /** The firewalls a feed is meant for, and those of them that hold it (acked every stream at its seq). */
  async delivery(
    feedId: string,
    source: FeedSource,
    targetStreams: { tenantId: string; groupId: string | null; streamId: string }[],
    xopsStreamId: string,
  ): Promise<{ targeted: number; applied: number }> {
    const [row] =
      source === FeedSource.XOPS
        ? await this.prisma.$queryRaw<{ targeted: bigint; applied: bigint }[]>`
            SELECT count(*) AS targeted,
                   count(*) FILTER (WHERE EXISTS (
                     SELECT 1 FROM feed_stream s JOIN firewall_stream_ack a
                       ON a.stream_id = s.stream_id AND a.firewall_id = f.id AND a.seq >= s.seq
                     WHERE s.feed_id = ${feedId}::uuid AND s.stream_id = ${xopsStreamId})) AS applied
            FROM firewall f WHERE f.status = 'MANAGED'`
        : await this.prisma.$queryRaw<{ targeted: bigint; applied: bigint }[]>`
            WITH target AS (
              SELECT * FROM jsonb_to_recordset(${JSON.stringify(targetStreams)}::jsonb)
                AS t("tenantId" uuid, "groupId" uuid, "streamId" text)
            ),
            -- Each managed firewall a target covers, with the stream that carries the feed to it.
            need AS (
              SELECT f.id AS firewall_id, t."streamId" AS stream_id
              FROM firewall f JOIN target t
                ON f.tenant_id = t."tenantId" AND (t."groupId" IS NULL OR f.group_id = t."groupId")
              WHERE f.status = 'MANAGED'
            )
            SELECT count(DISTINCT firewall_id) AS targeted,
                   count(DISTINCT firewall_id) FILTER (WHERE NOT EXISTS (
                     SELECT 1 FROM need n
                     LEFT JOIN feed_stream s ON s.feed_id = ${feedId}::uuid AND s.stream_id = n.stream_id
                     LEFT JOIN firewall_stream_ack a ON a.firewall_id = n.firewall_id AND a.stream_id = n.stream_id
                     WHERE n.firewall_id = need.firewall_id AND (s.seq IS NULL OR a.seq IS NULL OR a.seq < s.seq)
                   )) AS applied
            FROM need`;
    return { targeted: Number(row?.targeted ?? 0), applied: Number(row?.applied ?? 0) };
  }

  /**
   * Feeds left PENDING or REVOKING longer than `olderThan` (their job was lost or is late) that no job holds a
   * live lease on (feed_lease: a job working on them, or one that died less than a lease ago).
   */
  async unfinishedFeeds(olderThan: Date, take: number): Promise<{ id: string; status: FeedStatus }[]> {
    return this.prisma.$queryRaw<{ id: string; status: FeedStatus }[]>`
      SELECT f.id, f.status FROM feed f
      WHERE ((f.status = 'PENDING' AND f.created_at < ${olderThan})
          OR (f.status = 'REVOKING' AND f.revoked_at < ${olderThan}))
        AND NOT EXISTS (SELECT 1 FROM feed_lease l WHERE l.feed_id = f.id AND l.expires_at > now())
      ORDER BY f.created_at
      LIMIT ${take}`;
  }

  transaction<T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    // Read committed: the only contended rows (a feed being revoked while it is published) are locked
    // explicitly, and a 100,000-indicator insert should not be retried for a serialization conflict.
    return runTransaction(this.prisma, work, {
      isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted,
      timeoutMs: 60_000,
    });
  }

  /** Targets (only the scope's tenant for a tenant reader) and indicator counts of `feeds`. */
  private async withDetails(
    scope: FeedScope,
    feeds: Prisma.FeedGetPayload<{ select: typeof feedView }>[],
    client: Prisma.TransactionClient = this.prisma,
  ): Promise<FeedRow[]> {
    if (feeds.length === 0) return [];
    const ids = feeds.map((feed) => feed.id);
    const [targets, counts] = await Promise.all([
      client.feedTarget.findMany({
        where: { feedId: { in: ids }, ...(scope.kind === 'tenant' ? { tenantId: scope.tenantId } : {}) },
        orderBy: [{ tenantId: 'asc' }, { groupId: 'asc' }],
        select: { feedId: true, tenantId: true, groupId: true },
      }),
      client.feedIndicator.groupBy({
        by: ['feedId'],
        where: { feedId: { in: ids } },
        _count: { _all: true },
      }),
    ]);
    return feeds.map((feed) => ({
      ...feed,
      targets: targets
        .filter((target) => target.feedId === feed.id)
        .map(({ tenantId, groupId }) => ({ tenantId, groupId })),
      indicatorCount: counts.find((count) => count.feedId === feed.id)?._count._all ?? 0,
    }));
  }
}

function visibleIn(scope: FeedScope): Prisma.FeedWhereInput {
  switch (scope.kind) {
    case 'provider':
      return { source: FeedSource.MDR, providerId: scope.providerId };
    case 'tenant':
      return { source: FeedSource.MDR, targets: { some: { tenantId: scope.tenantId } } };
    case 'xops':
      return { source: FeedSource.XOPS };
  }
}
