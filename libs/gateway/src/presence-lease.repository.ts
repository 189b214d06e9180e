import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService, runTransaction } from '@threatline/db';

/** Most expired gateways one sweep releases (each with all its firewalls, in one transaction). */
const SWEEP_BATCH = 100;

/**
 * The `gateway_instance` rows: one presence lease per gateway process. Every time here is the
 * database's clock, so the gateways' clocks do not have to agree for a lease to expire on time.
 */
@Injectable()
export class PresenceLeaseRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Extends the lease of `instanceId` to `leaseMs` from now, creating the row if it is missing.
   * Returns whether it had to be created: on the first renewal, or when a sweep released the
   * lease (the process stalled, or could not reach the database, for longer than the lease).
   */
  async renew(instanceId: string, startedAt: Date, leaseMs: number): Promise<{ created: boolean }> {
    const rows = await this.prisma.$queryRaw<{ created: boolean }[]>`
      INSERT INTO gateway_instance (id, started_at, renewed_at, expires_at)
      VALUES (${instanceId}::uuid, ${startedAt}, now(), now() + make_interval(secs => ${leaseMs / 1000}::float8))
      ON CONFLICT (id) DO UPDATE SET renewed_at = EXCLUDED.renewed_at, expires_at = EXCLUDED.expires_at
      RETURNING (xmax = 0) AS created`;
    return { created: rows[0]?.created ?? false };
  }

  /**
   * Releases expired leases: their firewalls are marked disconnected (last seen when their
   * gateway last renewed) and the rows removed. The expired rows are locked first, so a gateway
   * that wakes up and renews meanwhile waits for this to commit and then finds its row gone
   * (and re-asserts its connections), and a connect written for that gateway waits too and
   * fails on the foreign key instead of pointing at a lease that no longer exists.
   * Returns how many firewalls were marked disconnected.
   */
  sweepExpired(): Promise<number> {
    return runTransaction(
      this.prisma,
      async (tx) => {
        const expired = await tx.$queryRaw<{ id: string }[]>`
          SELECT id::text FROM gateway_instance WHERE expires_at < now()
           ORDER BY expires_at LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED`;
        if (expired.length === 0) return 0;
        return this.release(
          tx,
          expired.map((row) => row.id),
        );
      },
      { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted },
    );
  }

  /** On a clean shutdown, after the disconnects were written: whatever is left is released now. */
  releaseOwn(instanceId: string): Promise<number> {
    return runTransaction(this.prisma, (tx) => this.release(tx, [instanceId]), {
      isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted,
    });
  }

  private async release(tx: Prisma.TransactionClient, instanceIds: string[]): Promise<number> {
    const released = await tx.$executeRaw`
      UPDATE firewall AS f
         SET connected = false,
             gateway_instance_id = NULL,
             last_seen_at = GREATEST(f.last_seen_at, g.renewed_at)
        FROM gateway_instance AS g
       WHERE g.id = ANY(${instanceIds}::uuid[]) AND f.gateway_instance_id = g.id`;
    await tx.$executeRaw`DELETE FROM gateway_instance WHERE id = ANY(${instanceIds}::uuid[])`;
    return released;
  }
}
