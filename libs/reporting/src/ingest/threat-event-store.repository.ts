import { Injectable } from '@nestjs/common';
import { PrismaService } from '@threatline/db';
import type { ThreatEvent } from '@threatline/protocol';

/** Where a firewall's events go, and whether they go at all. */
export interface IngestTarget {
  tenantId: string;
  groupId: string;
  centralReporting: boolean;
  retentionDays: number;
}

export interface StoredBatch {
  firewallId: string;
  receivedAt: Date;
  target: IngestTarget;
  events: readonly ThreatEvent[];
}

/** Writes threat events: one multi-row INSERT per batch, idempotent by the event's identity (occurred_at, id). */
@Injectable()
export class ThreatEventStoreRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findTarget(firewallId: string): Promise<IngestTarget | null> {
    // A firewall without a settings row has the defaults: central reporting on.
    const rows = await this.prisma.$queryRaw<IngestTarget[]>`
      SELECT f.tenant_id AS "tenantId", f.group_id AS "groupId",
             coalesce(s.central_reporting, true) AS "centralReporting",
             t.event_retention_days AS "retentionDays"
      FROM firewall f
      JOIN tenant t ON t.id = f.tenant_id
      LEFT JOIN firewall_settings s ON s.firewall_id = f.id
      WHERE f.id = ${firewallId}::uuid`;
    return rows[0] ?? null;
  }

  /**
   * Inserts the events, skipping those already stored; returns how many were new. One statement: the columns
   * travel as arrays and `unnest` turns them into rows, so a batch costs one round trip whatever its size.
   */
  insert(batch: StoredBatch): Promise<number> {
    const events = batch.events;
    const column = <T>(value: (event: ThreatEvent) => T): T[] => events.map(value);
    return this.prisma.$executeRaw`
      INSERT INTO threat_event (
        occurred_at, id, tenant_id, firewall_id, group_id, received_at, audit_id, source, module, action, dry_run,
        module_action, direction, field, indicator, indicator_type, src_ip, dst_ip, domain, url,
        endpoint_host, endpoint_user, endpoint_process)
      SELECT e.occurred_at, e.id, ${batch.target.tenantId}::uuid, ${batch.firewallId}::uuid,
        ${batch.target.groupId}::uuid, ${batch.receivedAt}::timestamptz, e.audit_id, e.source, e.module, e.action,
        e.dry_run, e.module_action, e.direction, e.field, e.indicator, e.indicator_type, e.src_ip, e.dst_ip,
        e.domain, e.url, e.endpoint_host, e.endpoint_user, e.endpoint_process
      FROM unnest(
        ${column((e) => e.occurredAt)}::timestamptz[], ${column((e) => e.id)}::uuid[],
        ${column((e) => e.auditId)}::text[], ${column((e) => e.source)}::text[], ${column((e) => e.module)}::text[],
        ${column((e) => e.action)}::text[], ${column((e) => e.dryRun)}::boolean[],
        ${column((e) => e.moduleAction)}::text[], ${column((e) => e.direction)}::text[],
        ${column((e) => e.field)}::text[], ${column((e) => e.indicator)}::text[],
        ${column((e) => e.indicatorType)}::text[], ${column((e) => e.srcIp)}::text[],
        ${column((e) => e.dstIp)}::text[], ${column((e) => e.domain ?? null)}::text[],
        ${column((e) => e.url ?? null)}::text[], ${column((e) => e.endpoint?.host ?? null)}::text[],
        ${column((e) => e.endpoint?.user ?? null)}::text[], ${column((e) => e.endpoint?.process ?? null)}::text[]
      ) AS e(occurred_at, id, audit_id, source, module, action, dry_run, module_action, direction, field, indicator,
             indicator_type, src_ip, dst_ip, domain, url, endpoint_host, endpoint_user, endpoint_process)
      ON CONFLICT DO NOTHING`;
  }
}
