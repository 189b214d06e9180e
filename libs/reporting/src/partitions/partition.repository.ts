import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@threatline/db';
import { addDays, dayOfPartition, partitionNameOf } from './partition-days';

/** Serializes partition DDL across processes (an arbitrary constant: "tl" "ev" "pt"). */
const PARTITION_DDL_LOCK = 0x746c_6576_7074;

/**
 * The statistics target of audit_id (migration threat_event_audit_key): every feed of a day among the most common
 * values, so the planner knows a rare or absent audit ID as rare. The audit ID index, (tenant_id, audit_id), has
 * no time, so a search newest first reads either that index (then sorts the hits) or the tenant index testing
 * each row's audit ID; with the default target (100 values) any audit ID outside them was expected about 150
 * times a partition and read the tenant's whole range (2.5 s over 30 days of the largest bench tenant).
 */
const AUDIT_ID_STATISTICS = 1000;
/** DDL on a partition locks the parent table; never queue long behind a running query (the next run retries). */
const DDL_LOCK_TIMEOUT = '5s';

/** A tenant retention and the tenants that have it. */
export interface RetentionClass {
  days: number;
  tenantCount: number;
}

/** The daily partitions of threat_event and the rows retention removes. Raw SQL: Prisma cannot say DDL. */
@Injectable()
export class PartitionRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The days that have a partition, oldest first. */
  async listDays(tx: Prisma.TransactionClient = this.prisma): Promise<Date[]> {
    const rows = await tx.$queryRaw<{ name: string }[]>`
      SELECT c.relname AS name
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'threat_event'::regclass`;
    return rows
      .map((row) => dayOfPartition(row.name))
      .filter((day): day is Date => day !== null)
      .sort((a, b) => a.getTime() - b.getTime());
  }

  /** Creates the partitions of `days` that do not exist; returns the days created. */
  async create(days: readonly Date[]): Promise<Date[]> {
    if (days.length === 0) return [];
    return this.prisma.$transaction(async (tx) => {
      await this.lockDdl(tx);
      const existing = new Set((await this.listDays(tx)).map((day) => day.getTime()));
      const created: Date[] = [];
      for (const day of days) {
        if (existing.has(day.getTime())) continue;
        // Names and bounds come from a Date, never from input, so they are safe to inline.
        await tx.$executeRawUnsafe(
          `CREATE TABLE "${partitionNameOf(day)}" PARTITION OF "threat_event"
             FOR VALUES FROM ('${day.toISOString()}') TO ('${addDays(day, 1).toISOString()}')`,
        );
        // A new partition does not take the parent's statistics target: see AUDIT_ID_STATISTICS.
        await tx.$executeRawUnsafe(
          `ALTER TABLE "${partitionNameOf(day)}" ALTER COLUMN "audit_id" SET STATISTICS ${AUDIT_ID_STATISTICS}`,
        );
        existing.add(day.getTime());
        created.push(day);
      }
      return created;
    });
  }

  /** Drops the partition of `day` with every row in it, and the summary rollups and hour versions of that day. */
  async drop(day: Date): Promise<void> {
    const end = addDays(day, 1);
    await this.prisma.$transaction(async (tx) => {
      await this.lockDdl(tx);
      await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS "${partitionNameOf(day)}"`);
      await tx.$executeRaw`DELETE FROM threat_event_rollup WHERE start >= ${day} AND start < ${end}`;
      await tx.$executeRaw`DELETE FROM threat_event_hour_version WHERE hour >= ${day} AND hour < ${end}`;
    });
  }

  /** The retentions tenants have, longest first; the default when there is no tenant yet. */
  async retentionClasses(): Promise<RetentionClass[]> {
    const rows = await this.prisma.$queryRaw<{ days: number; tenants: bigint }[]>`
      SELECT event_retention_days AS days, count(*) AS tenants
      FROM tenant GROUP BY event_retention_days ORDER BY event_retention_days DESC`;
    return rows.map((row) => ({ days: row.days, tenantCount: Number(row.tenants) }));
  }

  /**
   * Deletes at most `limit` events older than `before` of the tenants whose retention is `days`; returns how many.
   * Bounded so that one call holds its locks and its WAL briefly; the caller repeats it.
   */
  async deleteExpired(days: number, before: Date, limit: number): Promise<number> {
    // The outer bound on occurred_at lets the planner prune the partitions that cannot hold such rows.
    return this.prisma.$executeRaw`
      DELETE FROM threat_event
      WHERE occurred_at < ${before}
        AND (firewall_id, occurred_at, id) IN (
          SELECT e.firewall_id, e.occurred_at, e.id FROM threat_event e
          WHERE e.occurred_at < ${before}
            AND e.tenant_id IN (SELECT t.id FROM tenant t WHERE t.event_retention_days = ${days})
          LIMIT ${limit})`;
  }

  /**
   * Deletes the summary rollups and hour versions before `before` of the tenants whose retention is `days` (their
   * events there are deleted by deleteExpired): were the retention raised later, no rollup would count events that
   * are gone. Summaries never read a rollup that close to a tenant's horizon (HORIZON_MARGIN_MS).
   */
  async deleteExpiredRollups(days: number, before: Date): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.$executeRaw`
        DELETE FROM threat_event_rollup
        WHERE start < ${before}
          AND tenant_id IN (SELECT t.id FROM tenant t WHERE t.event_retention_days = ${days})`,
      this.prisma.$executeRaw`
        DELETE FROM threat_event_hour_version
        WHERE hour < ${before}
          AND tenant_id IN (SELECT t.id FROM tenant t WHERE t.event_retention_days = ${days})`,
    ]);
  }

  private async lockDdl(tx: Prisma.TransactionClient): Promise<void> {
    await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '${DDL_LOCK_TIMEOUT}'`);
    await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(${PARTITION_DDL_LOCK}::bigint)`;
  }
}
