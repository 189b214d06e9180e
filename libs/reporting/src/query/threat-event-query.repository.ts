import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@threatline/db';
import type { EventPosition, ResolvedEventQuery } from './event-query';

/** One stored event with its firewall and feed, as the list and the export read it. */
export interface ThreatEventRow {
  id: string;
  occurredAt: Date;
  receivedAt: Date;
  tenantId: string;
  firewallId: string;
  groupId: string;
  auditId: string;
  source: string;
  module: string;
  action: string;
  dryRun: boolean;
  moduleAction: string;
  direction: string;
  field: string;
  indicator: string;
  indicatorType: string;
  srcIp: string;
  dstIp: string;
  domain: string | null;
  url: string | null;
  endpointHost: string | null;
  endpointUser: string | null;
  endpointProcess: string | null;
  firewallSerial: string | null;
  firewallHostname: string | null;
  feedDescription: string | null;
  feedSource: string | null;
  feedDryRun: boolean | null;
}

/**
 * One row of the summary (libs/reporting/src/rollup counts them). `indicator` and `firewall` rows are the top counts
 * of one indicator or firewall; `traffic` rows count the events of one (action, dryRun, source, bucket), from which
 * the mapper sums the counts by action, by source, the total and the time series.
 */
export type SummaryRow =
  | {
      dimension: 'indicator';
      indicator: string;
      indicatorType: string;
      count: number;
    }
  | { dimension: 'firewall'; firewallId: string; count: number }
  | {
      dimension: 'traffic';
      action: string;
      dryRun: boolean;
      source: string;
      bucket: Date;
      count: number;
    };

export interface TenantRetention {
  tenantId: string;
  retentionDays: number;
}

/**
 * Reads threat events. Every query is bounded by the tenants of the caller's scope, each from its retention
 * horizon on, and keyset-paginated in (occurred_at desc, id desc) order, which the tenant index
 * (tenant_id, occurred_at desc, id desc) INCLUDE (firewall_id, group_id, indicator, indicator_type, action, dry_run,
 * source) serves across partitions (one index scan per partition, merged); filters on those columns read that
 * index only.
 */
@Injectable()
export class ThreatEventQueryRepository {
  constructor(private readonly prisma: PrismaService) {}

  async tenantRetentions(tenantIds: readonly string[]): Promise<TenantRetention[]> {
    if (tenantIds.length === 0) return [];
    return this.prisma.$queryRaw<TenantRetention[]>`
      SELECT id AS "tenantId", event_retention_days AS "retentionDays"
      FROM tenant WHERE id = ANY(${tenantIds}::uuid[])`;
  }

  async providerTenantRetentions(providerId: string): Promise<TenantRetention[]> {
    return this.prisma.$queryRaw<TenantRetention[]>`
      SELECT t.id AS "tenantId", t.event_retention_days AS "retentionDays"
      FROM mdr_provider_tenant pt JOIN tenant t ON t.id = pt.tenant_id
      WHERE pt.provider_id = ${providerId}::uuid`;
  }

  /** The firewall's tenant when it belongs to one of `tenantIds`. */
  async firewallTenant(tenantIds: readonly string[], firewallId: string): Promise<string | null> {
    const firewall = await this.prisma.firewall.findFirst({
      where: { id: firewallId, tenantId: { in: [...tenantIds] } },
      select: { tenantId: true },
    });
    return firewall?.tenantId ?? null;
  }

  /** The group and every group nested in it, when it belongs to one of `tenantIds`; null otherwise. */
  async groupTree(
    tenantIds: readonly string[],
    groupId: string,
  ): Promise<{ tenantId: string; ids: string[] } | null> {
    const rows = await this.prisma.$queryRaw<{ id: string; tenantId: string }[]>`
      WITH RECURSIVE tree AS (
        SELECT id, tenant_id FROM firewall_group WHERE id = ${groupId}::uuid AND tenant_id = ANY(${tenantIds}::uuid[])
        UNION
        SELECT g.id, g.tenant_id FROM firewall_group g JOIN tree ON g.parent_id = tree.id
      )
      SELECT id, tenant_id AS "tenantId" FROM tree`;
    const first = rows[0];
    return first ? { tenantId: first.tenantId, ids: rows.map((row) => row.id) } : null;
  }

  /**
   * At most `take` events after `after`, newest first, with their firewall and feed. In two steps: the page's keys
   * first, from the tenant index alone when the filters are on its columns (index-only: no heap row is read for
   * the events the filters skip; it includes the firewall), then the rows of those keys by primary key.
   */
  page(query: ResolvedEventQuery, after: EventPosition | undefined, take: number): Promise<ThreatEventRow[]> {
    const conditions = conditionsOf(query);
    if (after) {
      conditions.push(
        Prisma.sql`(e.occurred_at, e.id) < (${after.occurredAt}::timestamptz, ${after.id}::uuid)`,
      );
    }
    // The feed is shown only if it targeted the event's tenant (or is X-Ops): an agent cannot make another
    // provider's feed description appear by reporting its audit ID.
    return this.prisma.$queryRaw<ThreatEventRow[]>`
      WITH keys AS MATERIALIZED (
        SELECT e.firewall_id, e.occurred_at, e.id FROM threat_event e
        WHERE ${Prisma.join(conditions, ' AND ')}
        ORDER BY e.occurred_at DESC, e.id DESC
        LIMIT ${take}
      )
      SELECT p.id, p.occurred_at AS "occurredAt", p.received_at AS "receivedAt", p.tenant_id AS "tenantId",
        p.firewall_id AS "firewallId", p.group_id AS "groupId", p.audit_id AS "auditId", p.source, p.module,
        p.action, p.dry_run AS "dryRun", p.module_action AS "moduleAction", p.direction, p.field, p.indicator,
        p.indicator_type AS "indicatorType", p.src_ip AS "srcIp", p.dst_ip AS "dstIp", p.domain, p.url,
        p.endpoint_host AS "endpointHost", p.endpoint_user AS "endpointUser",
        p.endpoint_process AS "endpointProcess", f.serial AS "firewallSerial", f.hostname AS "firewallHostname",
        fd.description AS "feedDescription", fd.source::text AS "feedSource", fd.dry_run AS "feedDryRun"
      FROM keys k
      JOIN threat_event p ON p.firewall_id = k.firewall_id AND p.occurred_at = k.occurred_at AND p.id = k.id
      LEFT JOIN firewall f ON f.id = p.firewall_id AND f.tenant_id = p.tenant_id
      LEFT JOIN LATERAL (
        SELECT feed.description, feed.source, feed.dry_run FROM feed
        WHERE feed.audit_id = p.audit_id
          AND (feed.source = 'XOPS'
               OR EXISTS (SELECT 1 FROM feed_target t WHERE t.feed_id = feed.id AND t.tenant_id = p.tenant_id))
      ) fd ON true
      ORDER BY p.occurred_at DESC, p.id DESC`;
  }

  firewalls(
    tenantIds: readonly string[],
    firewallIds: readonly string[],
  ): Promise<{ id: string; serial: string; hostname: string | null }[]> {
    if (firewallIds.length === 0) return Promise.resolve([]);
    return this.prisma.firewall.findMany({
      where: { id: { in: [...firewallIds] }, tenantId: { in: [...tenantIds] } },
      select: { id: true, serial: true, hostname: true },
    });
  }
}

/** The WHERE conditions of a query: its scope first, then each filter it has. */
function conditionsOf(query: ResolvedEventQuery): Prisma.Sql[] {
  const conditions = [scopeOf(query)];
  const add = (condition: Prisma.Sql) => conditions.push(condition);
  if (query.firewallId !== undefined) add(Prisma.sql`e.firewall_id = ${query.firewallId}::uuid`);
  if (query.groupIds !== undefined) add(Prisma.sql`e.group_id = ANY(${query.groupIds}::uuid[])`);
  if (query.auditId !== undefined) add(Prisma.sql`e.audit_id = ${query.auditId}`);
  if (query.indicator !== undefined) add(Prisma.sql`e.indicator = ${query.indicator}`);
  if (query.source !== undefined) add(Prisma.sql`e.source = ${query.source}`);
  if (query.action !== undefined) add(Prisma.sql`e.action = ${query.action}`);
  if (query.direction !== undefined) add(Prisma.sql`e.direction = ${query.direction}`);
  if (query.module !== undefined) add(Prisma.sql`e.module = ${query.module}`);
  if (query.dryRun !== undefined) add(Prisma.sql`e.dry_run = ${query.dryRun}`);
  if (query.from !== undefined) add(Prisma.sql`e.occurred_at >= ${query.from}::timestamptz`);
  if (query.to !== undefined) add(Prisma.sql`e.occurred_at < ${query.to}::timestamptz`);
  if (query.endpointHost !== undefined)
    add(Prisma.sql`lower(e.endpoint_host) = lower(${query.endpointHost})`);
  if (query.endpointUser !== undefined)
    add(Prisma.sql`lower(e.endpoint_user) = lower(${query.endpointUser})`);
  return conditions;
}

/**
 * The caller's tenants, each from its retention horizon on (rows past it may wait for the retention job, but are
 * never shown). Tenants sharing a horizon share one condition, so the usual single tenant is one index range.
 */
function scopeOf(query: ResolvedEventQuery): Prisma.Sql {
  const byHorizon = new Map<number, string[]>();
  for (const { tenantId, horizon } of query.tenants) {
    const ids = byHorizon.get(horizon.getTime()) ?? [];
    ids.push(tenantId);
    byHorizon.set(horizon.getTime(), ids);
  }
  const clauses = [...byHorizon].map(([horizon, ids]) => {
    const tenant =
      ids.length === 1
        ? Prisma.sql`e.tenant_id = ${ids[0]}::uuid`
        : Prisma.sql`e.tenant_id = ANY(${ids}::uuid[])`;
    return Prisma.sql`(${tenant} AND e.occurred_at >= ${new Date(horizon)}::timestamptz)`;
  });
  return Prisma.sql`(${Prisma.join(clauses, ' OR ')})`;
}
