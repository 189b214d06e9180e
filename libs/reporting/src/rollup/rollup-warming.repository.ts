import { Injectable } from '@nestjs/common';
import { PrismaService } from '@threatline/db';

export interface TenantWindow {
  tenantId: string;
  from: Date;
  to: Date;
}

/** What the warming job reads besides the rollups: the database's clock, tenants' retentions, where events are. */
@Injectable()
export class RollupWarmingRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** PostgreSQL's clock, which decides when an hour is settled (as for summaries). */
  async databaseNow(): Promise<Date> {
    const [row] = await this.prisma.$queryRaw<{ now: Date }[]>`SELECT now() AS now`;
    return row!.now;
  }

  /** Every tenant and its retention in days. */
  tenantRetentions(): Promise<{ tenantId: string; retentionDays: number }[]> {
    return this.prisma.$queryRaw`
      SELECT id::text AS "tenantId", event_retention_days AS "retentionDays" FROM tenant`;
  }

  /** The tenants with at least one event in their window: one probe of the tenant index per partition at most. */
  async withEvents(windows: readonly TenantWindow[]): Promise<Set<string>> {
    if (windows.length === 0) return new Set();
    const rows = await this.prisma.$queryRaw<{ tenantId: string }[]>`
      SELECT w.tenant_id::text AS "tenantId"
      FROM unnest(${windows.map((window) => window.tenantId)}::uuid[],
        ${windows.map((window) => window.from.toISOString())}::timestamptz[],
        ${windows.map((window) => window.to.toISOString())}::timestamptz[]) AS w(tenant_id, from_at, to_at)
      WHERE EXISTS (SELECT 1 FROM threat_event e
        WHERE e.tenant_id = w.tenant_id AND e.occurred_at >= w.from_at AND e.occurred_at < w.to_at)`;
    return new Set(rows.map((row) => row.tenantId));
  }
}
