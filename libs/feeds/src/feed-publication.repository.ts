import { Injectable } from '@nestjs/common';
import { FeedSource, FeedStatus, Prisma, PrismaService, runTransaction } from '@threatline/db';
import type { IocType } from '@threatline/ioc';
import type { StreamEntry } from '@threatline/protocol';
import type { FeedTargetRef } from './feed-streams';

export interface LockedFeed {
  id: string;
  auditId: string;
  source: FeedSource;
  status: FeedStatus;
  dryRun: boolean;
}

export interface IndicatorKey {
  type: IocType;
  value: string;
}

/**
 * What a stream should hold for one key, from every active contribution: `auditId` and `dryRun` of the winning
 * feed, or null when no active feed holds the key on that stream any more.
 */
export interface EffectiveEntry extends IndicatorKey {
  auditId: string | null;
  dryRun: boolean | null;
  /** The key's entry on the stream now (null: none), as read with the stream locked. */
  current: StreamEntry | null;
}

/** A feed row as lockFeed reads it. */
interface LockedFeedRow {
  id: string;
  audit_id: string;
  source: FeedSource;
  status: FeedStatus;
  dry_run: boolean;
}

function toLockedFeed(row: LockedFeedRow): LockedFeed {
  return { id: row.id, auditId: row.audit_id, source: row.source, status: row.status, dryRun: row.dry_run };
}

/** The worker's view of feeds: state transitions under row locks, and the effective entries of a stream. */
@Injectable()
export class FeedPublicationRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Locks the feed's row for the transaction; null when it does not exist. NO KEY UPDATE: only its status and
   * publication time change, and rows that reference the feed (its lease, its streams) can still be inserted.
   */
  async lockFeed(tx: Prisma.TransactionClient, feedId: string): Promise<LockedFeed | null> {
    const [feed] = await tx.$queryRaw<LockedFeedRow[]>`
      SELECT id, audit_id, source, status, dry_run FROM feed WHERE id = ${feedId}::uuid FOR NO KEY UPDATE`;
    return feed ? toLockedFeed(feed) : null;
  }

  async statusOf(feedId: string): Promise<FeedStatus | null> {
    const feed = await this.prisma.feed.findUnique({ where: { id: feedId }, select: { status: true } });
    return feed?.status ?? null;
  }

  /**
   * lockFeed and the feed's targets in one round trip (the publish job's first statement). Targets never change
   * after the push stored them, so reading them with the lock sees what any later statement would.
   */
  async lockFeedForPublication(
    tx: Prisma.TransactionClient,
    feedId: string,
  ): Promise<(LockedFeed & { targets: FeedTargetRef[] }) | null> {
    const [feed] = await tx.$queryRaw<(LockedFeedRow & { targets: FeedTargetRef[] })[]>`
      SELECT f.id, f.audit_id, f.source, f.status, f.dry_run,
        (SELECT coalesce(json_agg(json_build_object('tenantId', t.tenant_id, 'groupId', t.group_id)), '[]'::json)
         FROM feed_target t WHERE t.feed_id = f.id) AS targets
      FROM feed f WHERE f.id = ${feedId}::uuid FOR NO KEY UPDATE OF f`;
    return feed ? { ...toLockedFeed(feed), targets: feed.targets } : null;
  }

  async publishedStreamIds(tx: Prisma.TransactionClient, feedId: string): Promise<string[]> {
    const rows = await tx.feedStream.findMany({ where: { feedId }, select: { streamId: true } });
    return rows.map((row) => row.streamId);
  }

  /**
   * Makes the feed a contributor to these streams (seq set once its deltas are written), and marks the start of its
   * publication, once, in the same statement: `published_at` orders contributions ("the most recently published
   * wins"), so it is taken from the clock after the feed's lock, not from the transaction start.
   */
  async joinStreams(tx: Prisma.TransactionClient, feedId: string, streamIds: string[]): Promise<void> {
    await tx.$executeRaw`
      WITH started AS (
        UPDATE feed SET published_at = clock_timestamp() WHERE id = ${feedId}::uuid AND published_at IS NULL
      )
      INSERT INTO feed_stream (feed_id, stream_id, seq)
      SELECT ${feedId}::uuid, s.stream_id, 0 FROM unnest(${streamIds}::text[]) AS s(stream_id)
      ON CONFLICT (feed_id, stream_id) DO NOTHING`;
  }

  async setFeedStreamSeq(
    tx: Prisma.TransactionClient,
    feedId: string,
    streamId: string,
    seq: number,
  ): Promise<void> {
    await tx.feedStream.update({ where: { feedId_streamId: { feedId, streamId } }, data: { seq } });
  }

  async setStatus(tx: Prisma.TransactionClient, feedId: string, status: FeedStatus): Promise<void> {
    await tx.feed.update({ where: { id: feedId }, data: { status } });
  }

  /**
   * The keys of `feedId` (all, or only `keys`) whose entry on `streamId` differs from what the active
   * contributions say it should be, with what it should be. A contribution is active when its feed is PENDING
   * (being published) or PUBLISHED and has joined the stream (feed_stream), and its indicator is neither removed
   * nor expired. Among several, a blocking one beats a dry run (a dry run never weakens a blocking entry), then
   * the most recently published feed wins. Call with the stream locked.
   */
  async divergentEntries(
    tx: Prisma.TransactionClient,
    streamId: string,
    feedId: string,
    keys?: IndicatorKey[],
  ): Promise<EffectiveEntry[]> {
    const keySource = keys
      ? Prisma.sql`SELECT * FROM jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) AS u(type "IndicatorType", value text)`
      : Prisma.sql`SELECT type, value FROM feed_indicator WHERE feed_id = ${feedId}::uuid`;
    // The stream's active feeds first, once (few rows: the feeds that joined the stream and still count), then
    // per key one primary-key probe of feed_indicator per active feed for its best contribution, and one probe of
    // stream_entry for its current entry (each LATERAL with a LIMIT, which the planner cannot flatten into a
    // join): linear in the keys whatever the table statistics say. Freshly inserted feeds have none, and a plain
    // join then degenerates into a quadratic nested loop; probing (type, value) instead of (feed_id, type, value)
    // also visits every other tenant's contributions. The entry key is @threatline/protocol's entryKey.
    const rows = await tx.$queryRaw<
      {
        type: IocType;
        value: string;
        audit_id: string | null;
        dry_run: boolean | null;
        current: StreamEntry | null;
      }[]
    >`
      WITH active AS MATERIALIZED (
        SELECT f.id, f.audit_id, f.dry_run, f.published_at
        FROM feed_stream fs JOIN feed f ON f.id = fs.feed_id
        WHERE fs.stream_id = ${streamId} AND f.status IN ('PENDING', 'PUBLISHED')
      )
      SELECT k.type::text AS type, k.value, best.audit_id, best.dry_run, current.entry AS current
      FROM (${keySource}) AS k
      LEFT JOIN LATERAL (
        SELECT a.audit_id, a.dry_run
        FROM active a
        JOIN feed_indicator fi ON fi.feed_id = a.id AND fi.type = k.type AND fi.value = k.value
        WHERE fi.removed_at IS NULL AND (fi.expires_at IS NULL OR fi.expires_at > now())
        ORDER BY a.dry_run ASC, a.published_at DESC, a.id DESC
        LIMIT 1
      ) AS best ON true
      LEFT JOIN LATERAL (
        SELECT entry FROM stream_entry
        WHERE stream_id = ${streamId} AND key = k.type::text || ':' || k.value
        LIMIT 1
      ) AS current ON true
      WHERE (best.audit_id IS NULL AND current.entry IS NOT NULL)
         OR (best.audit_id IS NOT NULL AND (
               current.entry IS NULL
               OR current.entry->>'auditId' IS DISTINCT FROM best.audit_id
               OR (current.entry->'dryRun')::boolean IS DISTINCT FROM best.dry_run))`;
    return rows.map((row) => ({
      type: row.type,
      value: row.value,
      auditId: row.audit_id,
      dryRun: row.dry_run,
      current: row.current,
    }));
  }

  /**
   * Feeds with indicators past their expiry not yet marked removed, oldest expiry first. PENDING feeds wait:
   * their publication already leaves expired indicators out, and they are swept once published.
   */
  async feedsWithExpiredIndicators(take: number): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ feed_id: string }[]>`
      SELECT fi.feed_id FROM feed_indicator fi JOIN feed f ON f.id = fi.feed_id
      WHERE fi.removed_at IS NULL AND fi.expires_at <= now() AND f.status <> 'PENDING'
      GROUP BY fi.feed_id ORDER BY min(fi.expires_at) LIMIT ${take}`;
    return rows.map((row) => row.feed_id);
  }

  /** Marks the feed's expired indicators removed (at their expiry) and returns them. */
  async removeExpired(tx: Prisma.TransactionClient, feedId: string): Promise<IndicatorKey[]> {
    return tx.$queryRaw<IndicatorKey[]>`
      UPDATE feed_indicator SET removed_at = expires_at
      WHERE feed_id = ${feedId}::uuid AND removed_at IS NULL AND expires_at <= now()
      RETURNING type::text AS type, value`;
  }

  /** The distinct indicators of a feed: sizes its publication batches. */
  countIndicators(tx: Prisma.TransactionClient, feedId: string): Promise<number> {
    return tx.feedIndicator.count({ where: { feedId } });
  }

  transaction<T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    // Read committed with explicit locks (the feed row, then its streams in id order): after a lock is granted,
    // each statement sees what the previous holder committed, so contributions are computed on fresh data.
    return runTransaction(this.prisma, work, {
      isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted,
      timeoutMs: 120_000,
    });
  }
}
