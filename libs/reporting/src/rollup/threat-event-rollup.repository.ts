import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService, runTransaction } from '@threatline/db';
import type { SummaryRow } from '../query/threat-event-query.repository';
import { periodKey } from './rollup-freshness';
import { HOUR_MS, type RawRange, type RollupPeriod } from './summary-plan';
import { KIND_SQL, KINDS, SLOT_MINUTES, type SlotMinutes } from './traffic-kinds';

/** Keys a rollup lists with their counts, most counted first; the others go to its rest. */
export const ROLLUP_TOP = 128;
/** Memory computing rollups may use before spilling to disk (a constant: never from input). */
const COMPUTE_WORK_MEM = '64MB';
/** A first summary over a month of a large tenant computes its rollups from millions of events. */
const SNAPSHOT_TIMEOUT_MS = 300_000;
/** The class of the tenants' rollup locks (advisory locks keyed by two int4: apart from single-bigint keys). */
const ROLLUP_LOCK_CLASS = 0x746c_726f; // "tlro"

/**
 * What a rollup is counted from: the events, or (a day) the rollups of its 24 hours, which list every key with its
 * count (top and rest) and the traffic by minute, so their sum is the day's exact counts.
 */
export type RollupSource = 'events' | 'hours';

/** What the summary needs to decide which rollups to use: the database's clock, versions and stored rollups. */
export interface RollupState {
  now: Date;
  /** Versions of the hours that have one, by `${tenantId} ${hour in ms}`. */
  versions: Map<string, number>;
  /** Versions of the stored rollups, by periodKey. */
  rollups: Map<string, number>;
}

/** One rollup as a summary reads it: its listed keys, the bound on its rest, its traffic at one slot width. */
export interface RollupCounts extends RollupPeriod {
  topIndicators: string[];
  topIndicatorTypes: string[];
  topIndicatorCounts: number[];
  indicatorRestMax: number;
  topFirewalls: string[];
  topFirewallCounts: number[];
  firewallRestMax: number;
  slots: number[];
  counts: number[];
}

type JoinedRollupCounts = RollupPeriod & {
  [Key in keyof Omit<RollupCounts, keyof RollupPeriod | 'indicatorRestMax' | 'firewallRestMax'>]: string;
} & Pick<RollupCounts, 'indicatorRestMax' | 'firewallRestMax'>;

export type RestDimension = 'indicator' | 'firewall';

/** Keys of a rollup's rest in rank order (`types` of indicators), and the count of the key after them. */
export interface RestSlice extends RollupPeriod {
  keys: string[];
  types: string[] | null;
  counts: number[];
  restMax: number;
}

/** A key's counts summed over rollups' rests; `type` is an indicator's. */
export interface RestSum {
  key: string;
  type: string | null;
  count: number;
}

type Tx = Prisma.TransactionClient;

/**
 * The summary's rollups (threat_event_rollup) and the hour versions that validate them. Everything a summary reads
 * runs in one REPEATABLE READ snapshot, and a rollup is computed in one statement, so it carries the version of
 * exactly the events it counted, and the summary is exact as of its snapshot.
 */
@Injectable()
export class ThreatEventRollupRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Runs `work` in one REPEATABLE READ snapshot; again from the start if a concurrent summary stored a rollup. */
  snapshot<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return runTransaction(this.prisma, work, {
      isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead,
      maxAttempts: 3,
      timeoutMs: SNAPSHOT_TIMEOUT_MS,
    });
  }

  /**
   * Runs `work` in a READ COMMITTED transaction, for computing rollups outside a summary's snapshot: each statement
   * sees what committed before it (a rollup another transaction stored meanwhile is found, not a conflict), and a
   * rollup written twice at once is simply written twice (ON CONFLICT waits for the other writer, then updates).
   */
  committed<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return runTransaction(this.prisma, work, {
      isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted,
      maxAttempts: 3,
      timeoutMs: SNAPSHOT_TIMEOUT_MS,
    });
  }

  /** The database's clock, and the versions and stored rollups of `tenantIds` in [from, to). */
  async state(tx: Tx, tenantIds: readonly string[], from: Date, to: Date): Promise<RollupState> {
    const [row] = await tx.$queryRaw<
      { now: Date; versions: [string, number, number][]; rollups: [string, number, number, number][] }[]
    >`
      SELECT now() AS now,
        (SELECT coalesce(json_agg(json_build_array(v.tenant_id, extract(epoch FROM v.hour) * 1000, v.version)), '[]')
         FROM threat_event_hour_version v
         WHERE v.tenant_id = ANY(${tenantIds}::uuid[]) AND v.hour >= ${from} AND v.hour < ${to}) AS versions,
        (SELECT coalesce(json_agg(json_build_array(r.tenant_id, extract(epoch FROM r.start) * 1000, r.hours, r.version)), '[]')
         FROM threat_event_rollup r
         WHERE r.tenant_id = ANY(${tenantIds}::uuid[]) AND r.start >= ${from} AND r.start < ${to}) AS rollups`;
    const { now, versions, rollups } = row!;
    return {
      now,
      versions: new Map(versions.map(([tenantId, hour, version]) => [`${tenantId} ${hour}`, version])),
      rollups: new Map(
        rollups.map(([tenantId, start, hours, version]) => [
          periodKey({ tenantId, start: new Date(start), hours: hours === 24 ? 24 : 1 }),
          version,
        ]),
      ),
    };
  }

  /**
   * Takes, for this transaction, the tenant's rollup lock in share mode (waiting for it): every transaction that
   * computes a tenant's rollups holds it. The warming job takes it exclusively, and only when it is free
   * (tryLockTenant): a summary waits for the job's tenant-day to commit (and then finds it), and the job skips a
   * tenant whose summary is computing, rather than both computing the same rollups.
   */
  async lockTenant(tx: Tx, tenantId: string): Promise<void> {
    await tx.$queryRaw`
      SELECT 1 AS locked FROM pg_advisory_xact_lock_shared(${ROLLUP_LOCK_CLASS}::int, hashtext(${tenantId}))`;
  }

  /** Takes the tenant's rollup lock exclusively for this transaction if no other holds it; false if one does. */
  async tryLockTenant(tx: Tx, tenantId: string): Promise<boolean> {
    const [row] = await tx.$queryRaw<{ locked: boolean }[]>`
      SELECT pg_try_advisory_xact_lock(${ROLLUP_LOCK_CLASS}::int, hashtext(${tenantId})) AS locked`;
    return row!.locked;
  }

  /**
   * Computes the rollups of `periods` (one tenant's) and stores them, replacing older ones. From the events: one
   * pass, the three grouping sets of the summary by period, each rollup with the version its hours have in this
   * snapshot. From the hours (days only): the sums of the 24 hour rollups, with the sum of their versions, so the
   * day is fresh exactly when all of them were; a day missing one of its hours is not stored.
   */
  async compute(
    tx: Tx,
    tenantId: string,
    periods: readonly RollupPeriod[],
    source: RollupSource = 'events',
  ): Promise<void> {
    const starts = periods.map((period) => period.start.toISOString());
    const hours = periods.map((period) => period.hours);
    // A month of a large tenant has hundreds of thousands of (day, indicator) groups: with the default work_mem
    // (4 MB) they would be sorted on disk. The planner's row estimates for the join of the periods with the events
    // are far too high (it cannot see that the periods do not overlap), so JIT would compile the statement for
    // longer than it runs (a tenant-day of 24 hours: 1.8 s with JIT, 0.5 s without).
    await tx.$executeRawUnsafe(`SET LOCAL work_mem = '${COMPUTE_WORK_MEM}'`);
    await tx.$executeRawUnsafe('SET LOCAL jit = off');
    // Widths are constants: safe to inline, also as column names.
    const trafficLists = SLOT_MINUTES.map((width) =>
      Prisma.raw(`array_agg(slot ORDER BY slot) FILTER (WHERE width = ${width}) AS slots_${width},
        array_agg(n ORDER BY slot) FILTER (WHERE width = ${width}) AS counts_${width}`),
    );
    const trafficColumns = SLOT_MINUTES.map((width) =>
      Prisma.raw(`coalesce(t.slots_${width}, '{}'), coalesce(t.counts_${width}, '{}')`),
    );
    await tx.$executeRaw`
      INSERT INTO threat_event_rollup (tenant_id, start, hours, version,
        top_indicators, top_indicator_types, top_indicator_counts, indicator_rest_max,
        rest_indicators, rest_indicator_types, rest_indicator_counts,
        top_firewalls, top_firewall_counts, firewall_rest_max, rest_firewalls, rest_firewall_counts,
        traffic_1m_slots, traffic_1m_counts, traffic_5m_slots, traffic_5m_counts,
        traffic_15m_slots, traffic_15m_counts, traffic_60m_slots, traffic_60m_counts)
      WITH p AS (
        SELECT start, hours FROM unnest(${starts}::timestamptz[], ${hours}::int[]) AS p(start, hours)
      ),
      counted AS (${source === 'events' ? countedFromEvents(tenantId, periods) : countedFromHours(tenantId)}),
      indicators AS (
        SELECT start, indicator, indicator_type, n,
          row_number() OVER (PARTITION BY start ORDER BY n DESC, indicator COLLATE "C", indicator_type) AS rank
        FROM counted WHERE by_indicator
      ),
      indicator_lists AS (
        SELECT start,
          coalesce(array_agg(indicator ORDER BY rank) FILTER (WHERE rank <= ${ROLLUP_TOP}), '{}') AS top_keys,
          coalesce(array_agg(indicator_type ORDER BY rank) FILTER (WHERE rank <= ${ROLLUP_TOP}), '{}') AS top_types,
          coalesce(array_agg(n ORDER BY rank) FILTER (WHERE rank <= ${ROLLUP_TOP}), '{}') AS top_counts,
          coalesce(max(n) FILTER (WHERE rank > ${ROLLUP_TOP}), 0) AS rest_max,
          coalesce(array_agg(indicator ORDER BY rank) FILTER (WHERE rank > ${ROLLUP_TOP}), '{}') AS rest_keys,
          coalesce(array_agg(indicator_type ORDER BY rank) FILTER (WHERE rank > ${ROLLUP_TOP}), '{}') AS rest_types,
          coalesce(array_agg(n ORDER BY rank) FILTER (WHERE rank > ${ROLLUP_TOP}), '{}') AS rest_counts
        FROM indicators GROUP BY start
      ),
      firewalls AS (
        SELECT start, firewall_id, n, row_number() OVER (PARTITION BY start ORDER BY n DESC, firewall_id) AS rank
        FROM counted WHERE by_firewall
      ),
      firewall_lists AS (
        SELECT start,
          coalesce(array_agg(firewall_id ORDER BY rank) FILTER (WHERE rank <= ${ROLLUP_TOP}), '{}') AS top_keys,
          coalesce(array_agg(n ORDER BY rank) FILTER (WHERE rank <= ${ROLLUP_TOP}), '{}') AS top_counts,
          coalesce(max(n) FILTER (WHERE rank > ${ROLLUP_TOP}), 0) AS rest_max,
          coalesce(array_agg(firewall_id ORDER BY rank) FILTER (WHERE rank > ${ROLLUP_TOP}), '{}') AS rest_keys,
          coalesce(array_agg(n ORDER BY rank) FILTER (WHERE rank > ${ROLLUP_TOP}), '{}') AS rest_counts
        FROM firewalls GROUP BY start
      ),
      slots AS (
        SELECT c.start, w.width, (c.minute / w.width) * ${KINDS} + c.kind AS slot, sum(c.n)::int AS n
        FROM counted c CROSS JOIN unnest(${[...SLOT_MINUTES]}::int[]) AS w(width)
        WHERE NOT c.by_indicator AND NOT c.by_firewall
        GROUP BY c.start, w.width, slot
      ),
      slot_lists AS (
        SELECT start, ${Prisma.join(trafficLists)} FROM slots GROUP BY start
      ),
      versions AS (${source === 'events' ? versionsOfHours(tenantId) : versionsOfHourRollups(tenantId)})
      SELECT ${tenantId}::uuid, p.start, p.hours, v.version,
        coalesce(i.top_keys, '{}'), coalesce(i.top_types, '{}'), coalesce(i.top_counts, '{}'), coalesce(i.rest_max, 0),
        coalesce(i.rest_keys, '{}'), coalesce(i.rest_types, '{}'), coalesce(i.rest_counts, '{}'),
        coalesce(f.top_keys, '{}'), coalesce(f.top_counts, '{}'), coalesce(f.rest_max, 0),
        coalesce(f.rest_keys, '{}'), coalesce(f.rest_counts, '{}'),
        ${Prisma.join(trafficColumns)}
      FROM p JOIN versions v USING (start)
      LEFT JOIN indicator_lists i USING (start) LEFT JOIN firewall_lists f USING (start)
      LEFT JOIN slot_lists t USING (start)
      ON CONFLICT (tenant_id, hours, start) DO UPDATE SET version = EXCLUDED.version,
        top_indicators = EXCLUDED.top_indicators, top_indicator_types = EXCLUDED.top_indicator_types,
        top_indicator_counts = EXCLUDED.top_indicator_counts, indicator_rest_max = EXCLUDED.indicator_rest_max,
        rest_indicators = EXCLUDED.rest_indicators, rest_indicator_types = EXCLUDED.rest_indicator_types,
        rest_indicator_counts = EXCLUDED.rest_indicator_counts, top_firewalls = EXCLUDED.top_firewalls,
        top_firewall_counts = EXCLUDED.top_firewall_counts, firewall_rest_max = EXCLUDED.firewall_rest_max,
        rest_firewalls = EXCLUDED.rest_firewalls, rest_firewall_counts = EXCLUDED.rest_firewall_counts,
        traffic_1m_slots = EXCLUDED.traffic_1m_slots, traffic_1m_counts = EXCLUDED.traffic_1m_counts,
        traffic_5m_slots = EXCLUDED.traffic_5m_slots, traffic_5m_counts = EXCLUDED.traffic_5m_counts,
        traffic_15m_slots = EXCLUDED.traffic_15m_slots, traffic_15m_counts = EXCLUDED.traffic_15m_counts,
        traffic_60m_slots = EXCLUDED.traffic_60m_slots, traffic_60m_counts = EXCLUDED.traffic_60m_counts`;
  }

  /**
   * The listed keys, rest bounds and traffic at `slotMinutes` of the given rollups. The arrays travel joined into
   * text (a newline between indicators, which hold no control characters; commas between numbers): the driver's
   * parser of array literals, character by character, cost more than the rest of a month's summary.
   */
  async read(tx: Tx, periods: readonly RollupPeriod[], slotMinutes: SlotMinutes): Promise<RollupCounts[]> {
    const slots = Prisma.raw(`r.traffic_${slotMinutes}m_slots`);
    const counts = Prisma.raw(`r.traffic_${slotMinutes}m_counts`);
    const rows = await tx.$queryRaw<JoinedRollupCounts[]>`
      SELECT r.tenant_id AS "tenantId", r.start, r.hours,
        array_to_string(r.top_indicators, E'\n') AS "topIndicators",
        array_to_string(r.top_indicator_types, ',') AS "topIndicatorTypes",
        array_to_string(r.top_indicator_counts, ',') AS "topIndicatorCounts", r.indicator_rest_max AS "indicatorRestMax",
        array_to_string(r.top_firewalls, ',') AS "topFirewalls",
        array_to_string(r.top_firewall_counts, ',') AS "topFirewallCounts", r.firewall_rest_max AS "firewallRestMax",
        array_to_string(${slots}, ',') AS slots, array_to_string(${counts}, ',') AS counts
      FROM ${keysOf(periods)}
      JOIN threat_event_rollup r ON r.tenant_id = k.tenant_id AND r.hours = k.hours AND r.start = k.start`;
    return rows.map((row) => ({
      tenantId: row.tenantId,
      start: row.start,
      hours: row.hours,
      topIndicators: split(row.topIndicators, '\n'),
      topIndicatorTypes: split(row.topIndicatorTypes, ','),
      topIndicatorCounts: split(row.topIndicatorCounts, ',').map(Number),
      indicatorRestMax: row.indicatorRestMax,
      topFirewalls: split(row.topFirewalls, ','),
      topFirewallCounts: split(row.topFirewallCounts, ',').map(Number),
      firewallRestMax: row.firewallRestMax,
      slots: split(row.slots, ',').map(Number),
      counts: split(row.counts, ',').map(Number),
    }));
  }

  /**
   * The keys ranked `skip + 1` to `skip + take` in the rests of the given rollups (most counted first), and the
   * count of the next one (0 when none): a summary that could not settle its top from the listed keys lists more.
   */
  async deeper(
    tx: Tx,
    dimension: RestDimension,
    periods: readonly RollupPeriod[],
    skip: number,
    take: number,
  ): Promise<RestSlice[]> {
    const [keys, types, counts] =
      dimension === 'indicator'
        ? ['r.rest_indicators', 'r.rest_indicator_types', 'r.rest_indicator_counts']
        : ['r.rest_firewalls', 'NULL::text[]', 'r.rest_firewall_counts'];
    const range = `[${skip + 1}:${skip + take}]`;
    const rows = await tx.$queryRaw<
      (RollupPeriod & { keys: string; types: string | null; counts: string; restMax: number })[]
    >`
      SELECT r.tenant_id AS "tenantId", r.start, r.hours,
        array_to_string(${Prisma.raw(keys + range)}, E'\n') AS keys,
        array_to_string(${Prisma.raw(`(${types})${range}`)}, ',') AS types,
        array_to_string(${Prisma.raw(counts + range)}, ',') AS counts,
        coalesce(${Prisma.raw(`${counts}[${skip + take + 1}]`)}, 0) AS "restMax"
      FROM ${keysOf(periods)}
      JOIN threat_event_rollup r ON r.tenant_id = k.tenant_id AND r.hours = k.hours AND r.start = k.start`;
    return rows.map((row) => ({
      tenantId: row.tenantId,
      start: row.start,
      hours: row.hours,
      keys: split(row.keys, '\n'),
      types: row.types === null ? null : split(row.types, ','),
      counts: split(row.counts, ',').map(Number),
      restMax: row.restMax,
    }));
  }

  /** The sums of `keys` over the rests of the given rollups, past their first `skip` keys (listed by deeper). */
  rest(
    tx: Tx,
    dimension: RestDimension,
    periods: readonly RollupPeriod[],
    keys: readonly string[],
    skip: number,
  ): Promise<RestSum[]> {
    const from = skip + 1;
    const entries =
      dimension === 'indicator'
        ? Prisma.sql`unnest(r.rest_indicators[${from}:], r.rest_indicator_types[${from}:],
            r.rest_indicator_counts[${from}:]) AS u(key, type, count)`
        : Prisma.sql`unnest(r.rest_firewalls[${from}:]::text[], r.rest_firewall_counts[${from}:]) AS u(key, count)`;
    const type = dimension === 'indicator' ? Prisma.sql`u.type` : Prisma.sql`NULL::text`;
    return tx.$queryRaw<RestSum[]>`
      SELECT u.key, ${type} AS type, sum(u.count)::int AS count
      FROM ${keysOf(periods)}
      JOIN threat_event_rollup r ON r.tenant_id = k.tenant_id AND r.hours = k.hours AND r.start = k.start
      CROSS JOIN LATERAL ${entries}
      WHERE u.key = ANY(${keys}::text[])
      GROUP BY u.key, ${type}`;
  }

  /**
   * Every count of the summary over `ranges`, from the events: all indicators and firewalls (the rollups' counts
   * are added to them before the top is picked) and the traffic by (action, dry run, source, bucket of `bucketMs`
   * aligned on the epoch). Read from the tenant covering index alone.
   */
  raw(tx: Tx, ranges: readonly RawRange[], bucketMs: number): Promise<SummaryRow[]> {
    if (ranges.length === 0) return Promise.resolve([]);
    const bucket = `${bucketMs / 1000} seconds`;
    // One branch per time range (tenants with the same range share it, as most of an analyst's do): each reads the
    // covering index of its partitions over key ranges (an OR of the ranges made the planner pick another index
    // and filter the tenant's whole day).
    const tenantsByRange = new Map<string, { from: Date; to: Date; tenantIds: string[] }>();
    for (const { tenantId, from, to } of ranges) {
      const key = `${from.getTime()} ${to.getTime()}`;
      const shared = tenantsByRange.get(key) ?? { from, to, tenantIds: [] };
      shared.tenantIds.push(tenantId);
      tenantsByRange.set(key, shared);
    }
    const branches = [...tenantsByRange.values()].map(
      ({ from, to, tenantIds }) => Prisma.sql`
        SELECT e.indicator, e.indicator_type, e.firewall_id, e.action, e.dry_run, e.source,
          date_bin(${bucket}::interval, e.occurred_at, TIMESTAMPTZ 'epoch') AS bucket
        FROM threat_event e
        WHERE e.tenant_id = ANY(${tenantIds}::uuid[])
          AND e.occurred_at >= ${from}::timestamptz AND e.occurred_at < ${to}::timestamptz`,
    );
    return tx.$queryRaw<SummaryRow[]>`
      SELECT
        CASE WHEN grouping(s.indicator, s.indicator_type) = 0 THEN 'indicator'
             WHEN grouping(s.firewall_id) = 0 THEN 'firewall'
             ELSE 'traffic' END AS dimension,
        s.indicator, s.indicator_type AS "indicatorType", s.firewall_id::text AS "firewallId", s.action,
        s.dry_run AS "dryRun", s.source, s.bucket, count(*)::int AS count
      FROM (${Prisma.join(branches, ' UNION ALL ')}) s
      GROUP BY GROUPING SETS ((s.indicator, s.indicator_type), (s.firewall_id),
        (s.action, s.dry_run, s.source, s.bucket))`;
  }
}

/**
 * Counts of the events of `p`'s periods (start, hours): by indicator, by firewall, by (kind, minute of the period),
 * as rows (start, indicator, indicator_type, firewall_id, kind, minute, n, by_indicator, by_firewall).
 */
function countedFromEvents(tenantId: string, periods: readonly RollupPeriod[]): Prisma.Sql {
  // The periods' whole span as values too: the planner prunes the partitions outside it when it plans (the join
  // with p prunes only when it runs), which spares it planning every day's partition (50 ms of a tenant-day).
  const from = new Date(Math.min(...periods.map((period) => period.start.getTime())));
  const to = new Date(Math.max(...periods.map((period) => period.start.getTime() + period.hours * HOUR_MS)));
  return Prisma.sql`
    SELECT s.start, s.indicator, s.indicator_type, s.firewall_id, s.kind, s.minute, count(*)::int AS n,
      grouping(s.indicator, s.indicator_type) = 0 AS by_indicator, grouping(s.firewall_id) = 0 AS by_firewall
    FROM (
      SELECT p.start, e.indicator, e.indicator_type, e.firewall_id, ${Prisma.raw(KIND_SQL)} AS kind,
        floor(extract(epoch FROM e.occurred_at - p.start) / 60)::int AS minute
      FROM p JOIN threat_event e ON e.tenant_id = ${tenantId}::uuid
        AND e.occurred_at >= p.start AND e.occurred_at < p.start + p.hours * interval '1 hour'
        AND e.occurred_at >= ${from}::timestamptz AND e.occurred_at < ${to}::timestamptz
    ) s
    GROUP BY GROUPING SETS ((s.start, s.indicator, s.indicator_type), (s.start, s.firewall_id),
      (s.start, s.kind, s.minute))`;
}

/** The same rows as countedFromEvents, summed from the hour rollups inside `p`'s periods (their 1-minute traffic). */
function countedFromHours(tenantId: string): Prisma.Sql {
  const hoursOfP = Prisma.sql`p JOIN threat_event_rollup h ON h.tenant_id = ${tenantId}::uuid AND h.hours = 1
    AND h.start >= p.start AND h.start < p.start + p.hours * interval '1 hour'`;
  return Prisma.sql`
    SELECT p.start, u.indicator, u.indicator_type, NULL::uuid AS firewall_id, NULL::int AS kind,
      NULL::int AS minute, sum(u.n)::int AS n, true AS by_indicator, false AS by_firewall
    FROM ${hoursOfP}
    CROSS JOIN LATERAL unnest(h.top_indicators || h.rest_indicators, h.top_indicator_types || h.rest_indicator_types,
      h.top_indicator_counts || h.rest_indicator_counts) AS u(indicator, indicator_type, n)
    GROUP BY p.start, u.indicator, u.indicator_type
    UNION ALL
    SELECT p.start, NULL, NULL, u.firewall_id, NULL, NULL, sum(u.n)::int, false, true
    FROM ${hoursOfP}
    CROSS JOIN LATERAL unnest(h.top_firewalls || h.rest_firewalls, h.top_firewall_counts || h.rest_firewall_counts)
      AS u(firewall_id, n)
    GROUP BY p.start, u.firewall_id
    UNION ALL
    SELECT p.start, NULL, NULL, NULL, u.slot % ${KINDS},
      (extract(epoch FROM h.start - p.start) / 60)::int + u.slot / ${KINDS}, u.n, false, false
    FROM ${hoursOfP}
    CROSS JOIN LATERAL unnest(h.traffic_1m_slots, h.traffic_1m_counts) AS u(slot, n)`;
}

/** Each period of `p` with the sum of its hours' versions in this snapshot. */
function versionsOfHours(tenantId: string): Prisma.Sql {
  return Prisma.sql`
    SELECT p.start, (SELECT coalesce(sum(v.version), 0) FROM threat_event_hour_version v
      WHERE v.tenant_id = ${tenantId}::uuid AND v.hour >= p.start
        AND v.hour < p.start + p.hours * interval '1 hour')::bigint AS version
    FROM p`;
}

/** Each period of `p` whose every hour has a rollup, with the sum of their versions. */
function versionsOfHourRollups(tenantId: string): Prisma.Sql {
  return Prisma.sql`
    SELECT p.start, sum(h.version)::bigint AS version
    FROM p JOIN threat_event_rollup h ON h.tenant_id = ${tenantId}::uuid AND h.hours = 1
      AND h.start >= p.start AND h.start < p.start + p.hours * interval '1 hour'
    GROUP BY p.start, p.hours
    HAVING count(*) = p.hours`;
}

function split(joined: string, separator: string): string[] {
  return joined === '' ? [] : joined.split(separator);
}

/** The rollup keys of `periods` as a relation `k` to join on. */
function keysOf(periods: readonly RollupPeriod[]): Prisma.Sql {
  return Prisma.sql`unnest(${periods.map((period) => period.tenantId)}::uuid[],
    ${periods.map((period) => period.hours)}::int[],
    ${periods.map((period) => period.start.toISOString())}::timestamptz[]) AS k(tenant_id, hours, start)`;
}
