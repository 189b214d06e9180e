import { Inject, Injectable, Logger } from '@nestjs/common';
import { FeedStatus, PrismaService } from '@threatline/db';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { FEEDS_WORKER_OPTIONS, type FeedsWorkerOptions } from './feeds-worker.options';

/** A lease being held: `lost` turns true when a heartbeat found it taken over (it had expired meanwhile). */
export interface HeldLease {
  readonly lost: boolean;
  /** The feed's status when the lease was taken (read by the same statement: one round trip less for the job). */
  readonly statusAtClaim: FeedStatus;
}

/**
 * One job at a time works on a feed (feed_lease). The lease expires by the database clock unless its holder's
 * heartbeat renews it, so a worker that dies (SIGKILL, lost host) holds it at most `leaseMs`: then the sweeper
 * re-enqueues the feed and the next job takes the lease over. The lease is about wasted work and queue
 * hygiene, not correctness: the publication itself stays idempotent under its row locks.
 */
@Injectable()
export class FeedLeases {
  private readonly logger = new Logger(FeedLeases.name);
  private readonly process = `${hostname()}:${process.pid}`;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(FEEDS_WORKER_OPTIONS) private readonly options: FeedsWorkerOptions,
  ) {}

  /**
   * Runs `work` holding the feed's lease and releases it after. Answers false without running `work` when a live
   * lease is held by someone else (or the feed does not exist).
   */
  async run(feedId: string, work: (lease: HeldLease) => Promise<void>): Promise<boolean> {
    const holder = `${this.process}:${randomUUID()}`;
    const statusAtClaim = await this.claim(feedId, holder);
    if (statusAtClaim === null) return false;
    const lease = { lost: false, statusAtClaim };
    const heartbeat = setInterval(
      () => {
        void this.renew(feedId, holder).then(
          (held) => {
            if (!held && !lease.lost) {
              lease.lost = true;
              this.logger.warn(
                `lease on feed ${feedId} expired before its heartbeat; another job took it over`,
              );
            }
          },
          (error: unknown) => this.logger.warn(`lease heartbeat of feed ${feedId} failed: ${String(error)}`),
        );
      },
      Math.max(50, Math.floor(this.options.leaseMs / 3)),
    );
    heartbeat.unref();
    try {
      await work(lease);
    } finally {
      clearInterval(heartbeat);
      await this.release(feedId, holder).catch((error: unknown) => {
        // It expires by itself; until then the sweeper leaves the feed alone.
        this.logger.warn(`could not release the lease on feed ${feedId}: ${String(error)}`);
      });
    }
    return true;
  }

  /** Takes a free or expired lease; answers the feed's status then, or null when the lease is held by another. */
  private async claim(feedId: string, holder: string): Promise<FeedStatus | null> {
    const rows = await this.prisma.$queryRaw<{ status: FeedStatus }[]>`
      INSERT INTO feed_lease (feed_id, holder, expires_at)
      SELECT id, ${holder}, now() + ${this.options.leaseMs} * interval '1 millisecond'
      FROM feed WHERE id = ${feedId}::uuid
      ON CONFLICT (feed_id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
        WHERE feed_lease.expires_at <= now()
      RETURNING (SELECT status FROM feed WHERE id = feed_lease.feed_id) AS status`;
    return rows[0]?.status ?? null;
  }

  private async renew(feedId: string, holder: string): Promise<boolean> {
    const updated = await this.prisma.$executeRaw`
      UPDATE feed_lease SET expires_at = now() + ${this.options.leaseMs} * interval '1 millisecond'
      WHERE feed_id = ${feedId}::uuid AND holder = ${holder}`;
    return updated === 1;
  }

  private async release(feedId: string, holder: string): Promise<void> {
    await this.prisma
      .$executeRaw`DELETE FROM feed_lease WHERE feed_id = ${feedId}::uuid AND holder = ${holder}`;
  }
}
