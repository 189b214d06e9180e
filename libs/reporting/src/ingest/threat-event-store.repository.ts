import { Injectable } from '@nestjs/common';
import { databaseErrorCode, PrismaService, type CopyIn } from '@threatline/db';
import { endLines, STAGED_EVENT_COLUMNS } from './encoded-events';

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
  /**
   * The events as encodeEvents made them: rows of COPY's text format, fields separated by `delimiter`, in pieces
   * (strings, or UTF-8 buffers read from the job's attachment).
   */
  rows: readonly (string | Buffer)[];
  delimiter: string;
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

/** Writes threat events: one COPY or INSERT per batch, idempotent by the event's identity (occurred_at, id). */
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
   * Stores a batch whose events all lie inside the accepted window: one COPY straight into threat_event, PostgreSQL's
   * cheapest way in (rows buffered into multi-row heap inserts, no staging table, no second pass). The constant
   * columns (tenant, firewall, group, time of receipt) are appended to each row, since COPY has no way to name a
   * value for a column (piece by piece: no string as large as the batch's rows). A batch with an event already stored
   * fails whole with a unique violation and is stored again through the staging table, skipping what is stored.
   */
  async copy(batch: StoredBatch): Promise<InsertOutcome> {
    const { target, delimiter } = batch;
    const constants = [target.tenantId, batch.firewallId, target.groupId, batch.receivedAt.toISOString()];
    const lineEnd = `${delimiter}${constants.join(delimiter)}\n`;
    const lineEndBytes = Buffer.from(lineEnd);
    try {
      const stored = await this.prisma.copyRows({
        into: `threat_event (${STAGED_EVENT_COLUMNS.join(', ')}, tenant_id, firewall_id, group_id, received_at)`,
        rows: batch.rows.map((piece) =>
          typeof piece === 'string' ? piece.replaceAll('\n', lineEnd) : endLines(piece, lineEndBytes),
        ),
        delimiter,
      });
      return { inside: stored, stored };
    } catch (error) {
      if (databaseErrorCode(error) !== '23505') throw error;
      return this.run(stagedCopy(batch), insertStaged('ON CONFLICT DO NOTHING'), paramsOf(batch));
    }
  }

  /**
   * Inserts the events inside the window, skipping those already stored: the rows are COPYed into a staging table
   * (temporary, emptied at commit), then one INSERT ... SELECT moves them, in one transaction. For a batch that may
   * have events outside the window; `copy` stores the others.
   *
   * Most batches are new: a plain INSERT stores them, which costs PostgreSQL noticeably less per row than
   * ON CONFLICT's speculative insertion. Only a batch with an event already stored (a resend, a job run again
   * after its worker died) fails with a unique violation and is inserted again, skipping what is stored.
   */
  async insert(batch: StoredBatch): Promise<InsertOutcome> {
    const copy = stagedCopy(batch);
    const params = paramsOf(batch);
    try {
      return await this.run(copy, insertStaged(''), params);
    } catch (error) {
      if (databaseErrorCode(error) !== '23505') throw error;
      return this.run(copy, insertStaged('ON CONFLICT DO NOTHING'), params);
    }
  }

  /**
   * Increments the versions of the tenant's `hours` (`YYYY-MM-DDTHH`, UTC), so that their summary rollups are
   * computed again. Only for late events (lateHours): a batch of the current hour writes nothing here. In hour order,
   * so two batches of the same hours never wait on each other in a cycle.
   */
  async markHoursChanged(tenantId: string, hours: readonly string[]): Promise<void> {
    const starts = [...hours].sort().map((hour) => `${hour}:00:00.000Z`);
    await this.prisma.$executeRaw`
      INSERT INTO threat_event_hour_version (tenant_id, hour, version)
      SELECT ${tenantId}::uuid, hour, 1 FROM unnest(${starts}::timestamptz[]) AS hour ORDER BY hour
      ON CONFLICT (tenant_id, hour) DO UPDATE SET version = threat_event_hour_version.version + 1`;
  }

  private async run(copy: CopyIn, sql: string, params: unknown[]): Promise<InsertOutcome> {
    const [outcome] = await this.prisma.copyThenQuery<InsertOutcome>(copy, sql, params);
    return outcome!;
  }
}

const STAGE = 'threat_event_stage';

function stagedCopy(batch: StoredBatch): CopyIn {
  return {
    setup: CREATE_STAGE,
    into: `${STAGE} (${STAGED_EVENT_COLUMNS.join(', ')})`,
    rows: batch.rows,
    delimiter: batch.delimiter,
  };
}

/** The parameters of insertStaged. */
function paramsOf(batch: StoredBatch): unknown[] {
  return [
    batch.earliest.toISOString(),
    batch.latest.toISOString(),
    batch.target.tenantId,
    batch.firewallId,
    batch.target.groupId,
    batch.receivedAt.toISOString(),
  ];
}

/** Once per connection (a temporary table lives as long as its session); rows are dropped at each commit. */
const CREATE_STAGE = `
  CREATE TEMPORARY TABLE IF NOT EXISTS ${STAGE} (
    occurred_at timestamptz(3), id uuid, audit_id text, source text, module text, action text, dry_run boolean,
    module_action text, direction text, field text, indicator text, indicator_type text, src_ip text, dst_ip text,
    domain text, url text, endpoint_host text, endpoint_user text, endpoint_process text
  ) ON COMMIT DELETE ROWS`;

/**
 * $1..$2 the window, $3..$6 tenant, firewall, group and time of receipt. `inside` counts the staged events in the
 * window, `stored` those of them that were new.
 */
function insertStaged(onConflict: '' | 'ON CONFLICT DO NOTHING'): string {
  return `
    WITH stored AS (
      INSERT INTO threat_event (
        occurred_at, id, tenant_id, firewall_id, group_id, received_at, ${STAGED_EVENT_COLUMNS.slice(2).join(', ')})
      SELECT occurred_at, id, $3::uuid, $4::uuid, $5::uuid, $6::timestamptz, ${STAGED_EVENT_COLUMNS.slice(2).join(', ')}
      FROM ${STAGE}
      WHERE occurred_at BETWEEN $1::timestamptz AND $2::timestamptz
      ${onConflict}
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM ${STAGE} WHERE occurred_at BETWEEN $1::timestamptz AND $2::timestamptz)::int AS inside,
      (SELECT count(*) FROM stored)::int AS stored`;
}
