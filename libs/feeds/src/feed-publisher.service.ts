import { Injectable, Logger } from '@nestjs/common';
import { FeedStatus, Prisma } from '@threatline/db';
import { entryKey, indicatorEntry, type StreamEntry, type StreamId } from '@threatline/protocol';
import { StreamWriter, type StreamChange, type StreamHead } from '@threatline/streams';
import { EffectiveEntry, FeedPublicationRepository, IndicatorKey } from './feed-publication.repository';
import { FeedLeases, type HeldLease } from './feed-leases';
import { feedStreamIds } from './feed-streams';

/**
 * Changes per publication transaction, over all its streams: a feed of 100,000 indicators to 5 tenants is
 * published in 5 transactions, one feed to 1,000 small groups in a few.
 */
const CHANGES_PER_TRANSACTION = 200_000;

/** Feeds handled per expiry transaction round. */
const EXPIRY_BATCH = 100;

/**
 * The write path of feeds onto their streams (the worker's jobs). Every method is idempotent: it recomputes
 * what each touched key should be from the active contributions and lets the stream writer append only what
 * differs, so a job that runs twice, or after a crash halfway, changes nothing more. Publication and revocation
 * run under the feed's lease (FeedLeases), so concurrent jobs of one feed do not queue up on its locks.
 */
@Injectable()
export class FeedPublisherService {
  private readonly logger = new Logger(FeedPublisherService.name);

  constructor(
    private readonly repository: FeedPublicationRepository,
    private readonly writer: StreamWriter,
    private readonly leases: FeedLeases,
  ) {}

  /** The publish job: publishes a PENDING feed (see `settle`). */
  publish(feedId: string): Promise<void> {
    return this.settle(feedId);
  }

  /** The revoke job: finishes a REVOKING feed (see `settle`). */
  revoke(feedId: string): Promise<void> {
    return this.settle(feedId);
  }

  /**
   * Brings a feed to where its status points, under the feed's lease: PENDING is published, REVOKING revoked,
   * anything else left alone. A job that finds the lease held stops at once (the holder does the work); the
   * holder checks the status again after releasing it, so a revocation whose job arrived meanwhile is not left
   * to the sweeper.
   */
  private async settle(feedId: string): Promise<void> {
    for (;;) {
      const held = await this.leases.run(feedId, async (lease) => {
        let status: FeedStatus | null = lease.statusAtClaim;
        for (;;) {
          if (status === FeedStatus.PENDING) await this.publishBatches(feedId, lease);
          else if (status === FeedStatus.REVOKING) await this.revokeLocked(feedId);
          else return;
          if (lease.lost) return;
          status = await this.repository.statusOf(feedId);
        }
      });
      if (!held) return;
      const status = await this.repository.statusOf(feedId);
      if (status !== FeedStatus.PENDING && status !== FeedStatus.REVOKING) return;
    }
  }

  /**
   * Joins a PENDING feed to its streams batch by batch (one transaction each, the feed row and the streams
   * locked), appends the deltas, and marks it PUBLISHED with the last batch. Stops when the feed is no longer
   * PENDING (revoked meanwhile: the revocation then covers the streams joined so far) or the lease was lost.
   */
  private async publishBatches(feedId: string, lease: HeldLease): Promise<void> {
    // Sized once, and only when there are several streams to split (a push to one tenant skips the count).
    let streamsPerBatch: number | undefined;
    while (!lease.lost) {
      const step = await this.repository.transaction(async (tx) => {
        const feed = await this.repository.lockFeedForPublication(tx, feedId);
        if (feed?.status !== FeedStatus.PENDING) return { finished: true, heads: [] };
        const targets = feedStreamIds(feed.source, feed.targets);
        const joined = new Set(await this.repository.publishedStreamIds(tx, feedId));
        const todo = targets.filter((streamId) => !joined.has(streamId));
        if (streamsPerBatch === undefined && todo.length > 1) {
          const indicators = await this.repository.countIndicators(tx, feedId);
          streamsPerBatch = Math.max(1, Math.floor(CHANGES_PER_TRANSACTION / Math.max(1, indicators)));
        }
        const batch = todo.slice(0, streamsPerBatch ?? todo.length);
        await this.repository.joinStreams(tx, feedId, batch);
        const heads = await this.reconcile(tx, feedId, batch);
        const finished = batch.length === todo.length;
        if (finished) await this.repository.setStatus(tx, feedId, FeedStatus.PUBLISHED);
        return { finished, heads };
      });
      await this.notify(step.heads);
      if (step.finished) return;
    }
  }

  /** Finishes a REVOKING feed: every stream it joined gets its keys recomputed without it; then REVOKED. */
  private async revokeLocked(feedId: string): Promise<void> {
    const heads = await this.repository.transaction(async (tx) => {
      const feed = await this.repository.lockFeed(tx, feedId);
      if (feed?.status !== FeedStatus.REVOKING) return [];
      const streams = (await this.repository.publishedStreamIds(tx, feedId)).sort();
      const changed = await this.reconcile(tx, feedId, streams);
      await this.repository.setStatus(tx, feedId, FeedStatus.REVOKED);
      return changed;
    });
    await this.notify(heads);
  }

  /** Removes every indicator whose TTL has passed from the streams of its feed. Returns the feeds touched. */
  async expireDue(): Promise<number> {
    let feeds = 0;
    for (;;) {
      const due = await this.repository.feedsWithExpiredIndicators(EXPIRY_BATCH);
      for (const feedId of due) await this.expireFeed(feedId);
      feeds += due.length;
      if (due.length < EXPIRY_BATCH) return feeds;
    }
  }

  private async expireFeed(feedId: string): Promise<void> {
    const heads = await this.repository.transaction(async (tx) => {
      const feed = await this.repository.lockFeed(tx, feedId);
      if (!feed) return [];
      const expired = await this.repository.removeExpired(tx, feedId);
      // A revoked or revoking feed contributes nothing any more: marking its indicators is enough.
      if (feed.status !== FeedStatus.PUBLISHED || expired.length === 0) return [];
      const streams = (await this.repository.publishedStreamIds(tx, feedId)).sort();
      return this.reconcile(tx, feedId, streams, expired);
    });
    await this.notify(heads);
  }

  /**
   * Brings the feed's keys (or `keys`) on each stream to their effective entries. Streams are locked in id order
   * before anything is read, so concurrent publications of overlapping feeds queue instead of racing; the feed's
   * seq on a stream moves to the head after its deltas there, which is what delivery compares acks with.
   */
  private async reconcile(
    tx: Prisma.TransactionClient,
    feedId: string,
    streamIds: StreamId[],
    keys?: IndicatorKey[],
  ): Promise<StreamHead[]> {
    const sorted = [...streamIds].sort();
    const locked: StreamHead[] = [];
    // An empty apply locks the stream row (creating the stream when new) and appends nothing.
    for (const streamId of sorted) locked.push(await this.writer.apply(tx, streamId, []));
    const changed: StreamHead[] = [];
    for (const [index, streamId] of sorted.entries()) {
      const entries = await this.repository.divergentEntries(tx, streamId, feedId, keys);
      if (entries.length === 0) {
        // A publication or revocation that changes nothing here is held by whoever holds the current head.
        if (keys === undefined) {
          await this.repository.setFeedStreamSeq(tx, feedId, streamId, locked[index]!.head);
        }
        continue;
      }
      // The current entries were read with the divergent ones: the writer need not read them again.
      const current = new Map<string, StreamEntry>();
      for (const entry of entries) {
        if (entry.current !== null) current.set(entryKey(entry.type, entry.value), entry.current);
      }
      const applied = await this.writer.apply(tx, streamId, entries.map(toChange), current);
      await this.repository.setFeedStreamSeq(tx, feedId, streamId, applied.head);
      if (applied.appended > 0) changed.push(applied);
    }
    return changed;
  }

  private async notify(heads: StreamHead[]): Promise<void> {
    if (heads.length === 0) return;
    // After the commit; a lost notice only delays agents until the next one or their next resume.
    await this.writer.notify(heads).catch((error: unknown) => {
      this.logger.warn(`stream notice failed (agents catch up on the next one): ${String(error)}`);
    });
  }
}

function toChange(entry: EffectiveEntry): StreamChange {
  const key = entryKey(entry.type, entry.value);
  if (entry.auditId === null || entry.dryRun === null) return { op: 'remove', key };
  return {
    op: 'upsert',
    key,
    entry: indicatorEntry({
      type: entry.type,
      value: entry.value,
      auditId: entry.auditId,
      dryRun: entry.dryRun,
    }),
  };
}
