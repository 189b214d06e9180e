import { Injectable } from '@nestjs/common';
import { databaseErrorCode, PrismaService } from '@threatline/db';

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
  /** The events as encodeEvents made them: a JSON array, occurredAt in the canonical form. */
  eventsJson: string;
  /** The accepted window of occurredAt (both ends included): events outside it are skipped. */
  earliest: Date;
  latest: Date;
}

export interface InsertOutcome {
  /** Events inside the window. */
  inside: number;
  /** Of those, the ones not stored before. */
  stored: number;
}

/** Writes threat events: one INSERT per batch, idempotent by the event's identity (occurred_at, id). */
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
   * Inserts the events inside the window, skipping those already stored. One statement whatever the batch's size:
   * the events travel as one JSON parameter that PostgreSQL unpacks (json_to_recordset), so the worker does no
   * per-event work; sent past Prisma, whose encoding of raw parameters would copy that text twice.
   *
   * Most batches are new: a plain INSERT stores them, which costs PostgreSQL noticeably less per row than
   * ON CONFLICT's speculative insertion. Only a batch with an event already stored (a resend, a job run again
   * after its worker died) fails with a unique violation and is inserted again, skipping what is stored.
   */
  async insert(batch: StoredBatch): Promise<InsertOutcome> {
    const params = [
      batch.eventsJson,
      batch.earliest.toISOString(),
      batch.latest.toISOString(),
      batch.target.tenantId,
      batch.firewallId,
      batch.target.groupId,
      batch.receivedAt.toISOString(),
    ];
    try {
      return await this.run(insertEvents(''), params);
    } catch (error) {
      if (databaseErrorCode(error) !== '23505') throw error;
      return this.run(insertEvents('ON CONFLICT DO NOTHING'), params);
    }
  }

  private async run(sql: string, params: unknown[]): Promise<InsertOutcome> {
    const [outcome] = await this.prisma.queryDirect<InsertOutcome>(sql, params);
    return outcome!;
  }
}

/**
 * $1 the events (JSON array), $2..$3 the window, $4..$7 tenant, firewall, group and time of receipt. `inside`
 * counts the events in the window, `stored` those of them that were new.
 */
function insertEvents(onConflict: '' | 'ON CONFLICT DO NOTHING'): string {
  return `
    WITH e AS MATERIALIZED (
      SELECT *
      FROM json_to_recordset($1::json) AS e(
        "occurredAt" timestamptz, id uuid, "auditId" text, source text, module text, action text, "dryRun" boolean,
        "moduleAction" text, direction text, field text, indicator text, "indicatorType" text, "srcIp" text,
        "dstIp" text, domain text, url text, endpoint json)
      WHERE e."occurredAt" BETWEEN $2::timestamptz AND $3::timestamptz
    ), stored AS (
      INSERT INTO threat_event (
        occurred_at, id, tenant_id, firewall_id, group_id, received_at, audit_id, source, module, action, dry_run,
        module_action, direction, field, indicator, indicator_type, src_ip, dst_ip, domain, url,
        endpoint_host, endpoint_user, endpoint_process)
      SELECT e."occurredAt", e.id, $4::uuid, $5::uuid, $6::uuid, $7::timestamptz, e."auditId", e.source, e.module,
        e.action, e."dryRun", e."moduleAction", e.direction, e.field, e.indicator, e."indicatorType", e."srcIp",
        e."dstIp", e.domain, e.url, e.endpoint->>'host', e.endpoint->>'user', e.endpoint->>'process'
      FROM e
      ${onConflict}
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM e)::int AS inside, (SELECT count(*) FROM stored)::int AS stored`;
}
