// The stored-events dataset of the reporting query benchmark: 10M threat events over 30 days in their own database
// (kept between runs, rebuilt when missing, of another size or older than a week: building it takes minutes).
// Rows come from generate_series in SQL, with the table's indexes dropped during the load and rebuilt after, as a
// bulk load does it; they are written in time order, so tenants interleave on the heap pages as they do when
// agents report; the tenant sizes are skewed (the largest tenant holds about 16% of the events).
import { applyMigrations } from '@threatline/db';
import pg from 'pg';

export const DATASET_DATABASE = 'threatline_bench_reporting';
const VERSION = 'v2';
const TENANTS = 100;
const FIREWALLS_PER_TENANT = 20;
const GROUPS_PER_TENANT = 4;
const DAYS = 30;
const MAX_AGE_MS = 7 * 86_400_000;

export interface Dataset {
  url: string;
  rows: number;
  /** The instant the data ends at: queries ask for the 24 hours before it. */
  endsAt: Date;
  /** Tenants, largest first. */
  tenantIds: string[];
  /** Seconds spent building it in this run (0 when reused). */
  buildSeconds: number;
}

function urlOf(database: string): string {
  const url = new URL(process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${database}`;
  return url.toString();
}

export async function openDataset(rows: number, log: (line: string) => void): Promise<Dataset> {
  const admin = new pg.Client({ connectionString: urlOf('postgres') });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATASET_DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATASET_DATABASE}`);
  } finally {
    await admin.end();
  }
  const url = urlOf(DATASET_DATABASE);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  try {
    await applyMigrations(pool);
    await pool.query(
      'CREATE TABLE IF NOT EXISTS bench_dataset (version text, rows bigint, ends_at timestamptz, built_at timestamptz)',
    );
    const marker = await pool.query<{ version: string; rows: string; ends_at: Date; built_at: Date }>(
      'SELECT * FROM bench_dataset',
    );
    const kept = marker.rows[0];
    let buildSeconds = 0;
    let endsAt: Date;
    if (
      kept &&
      kept.version === VERSION &&
      Number(kept.rows) === rows &&
      Date.now() - kept.built_at.getTime() < MAX_AGE_MS
    ) {
      endsAt = kept.ends_at;
      log(`reusing ${rows} events in ${DATASET_DATABASE} (built ${kept.built_at.toISOString()})`);
    } else {
      const started = Date.now();
      endsAt = new Date();
      await build(pool, rows, endsAt, log);
      buildSeconds = (Date.now() - started) / 1000;
    }
    const tenants = await pool.query<{ id: string }>(
      `SELECT tenant_id AS id FROM threat_event WHERE occurred_at >= $1 GROUP BY tenant_id ORDER BY count(*) DESC`,
      [new Date(endsAt.getTime() - 86_400_000)],
    );
    return { url, rows, endsAt, tenantIds: tenants.rows.map((row) => row.id), buildSeconds };
  } finally {
    await pool.end();
  }
}

async function build(pool: pg.Pool, rows: number, endsAt: Date, log: (line: string) => void): Promise<void> {
  log(`building ${rows} events over ${DAYS} days in ${DATASET_DATABASE} (once; kept for later runs)`);
  await pool.query('TRUNCATE bench_dataset');
  await pool.query(`DO $$ DECLARE p record; BEGIN
      FOR p IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'threat_event'::regclass LOOP
        EXECUTE format('DROP TABLE %I', p.relname);
      END LOOP; END $$`);
  await pool.query(
    `DELETE FROM api_key; DELETE FROM firewall; DELETE FROM firewall_group; DELETE FROM tenant`,
  );
  await pool.query(
    `INSERT INTO tenant (id, name) SELECT gen_random_uuid(), 'bench-' || lpad(t::text, 3, '0')
     FROM generate_series(0, ${TENANTS - 1}) t`,
  );
  await pool.query(
    `INSERT INTO firewall_group (id, tenant_id, name)
     SELECT gen_random_uuid(), t.id, 'group-' || g FROM tenant t, generate_series(0, ${GROUPS_PER_TENANT - 1}) g`,
  );
  await pool.query(
    `INSERT INTO firewall (id, tenant_id, group_id, serial, hostname, status)
     SELECT gen_random_uuid(), t.id,
       (SELECT g.id FROM firewall_group g WHERE g.tenant_id = t.id AND g.name = 'group-' || (f % ${GROUPS_PER_TENANT})),
       'BENCH-' || substr(t.name, 7) || '-' || lpad(f::text, 2, '0'), 'fw-' || f, 'MANAGED'
     FROM tenant t, generate_series(0, ${FIREWALLS_PER_TENANT - 1}) f`,
  );
  await pool.query(`INSERT INTO firewall_settings (firewall_id) SELECT id FROM firewall`);

  // Load without indexes, then build them as the migrations define them (read back from the catalog).
  const indexes = await pool.query<{ name: string; definition: string }>(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
     WHERE tablename = 'threat_event' AND indexname <> 'threat_event_pkey'`,
  );
  const primaryKey = await pool.query<{ definition: string }>(
    `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conname = 'threat_event_pkey'`,
  );
  for (const index of indexes.rows) await pool.query(`DROP INDEX "${index.name}"`);
  await pool.query('ALTER TABLE threat_event DROP CONSTRAINT threat_event_pkey');

  const perDay = Math.ceil(rows / DAYS);
  const dayMs = 86_400_000;
  const start = endsAt.getTime() - DAYS * dayMs;
  const firstDay = Math.floor(start / dayMs) * dayMs;
  for (let day = firstDay; day < endsAt.getTime(); day += dayMs) {
    const name = `threat_event_p${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;
    await pool.query(
      `CREATE TABLE "${name}" PARTITION OF threat_event FOR VALUES FROM ('${new Date(day).toISOString()}')
       TO ('${new Date(day + dayMs).toISOString()}')`,
    );
  }
  // One session for the temporary table.
  const client = await pool.connect();
  try {
    await client.query(
      `CREATE TEMP TABLE bench_firewall AS
       SELECT (row_number() OVER (ORDER BY f.serial) - 1)::int AS idx, f.id, f.tenant_id, f.group_id FROM firewall f`,
    );
    for (let d = 0; d < DAYS; d++) {
      const from = start + d * dayMs;
      const count = Math.min(perDay, rows - d * perDay);
      if (count <= 0) break;
      // Tenant index skewed towards 0 (power 2.5), firewall uniform in the tenant; 5000 indicators and 200 feeds,
      // both skewed; 70% MDR; 60% drops; a tenth of the logs are dry runs.
      await client.query(
        `INSERT INTO threat_event (occurred_at, id, tenant_id, firewall_id, group_id, received_at, audit_id, source,
           module, action, dry_run, module_action, direction, field, indicator, indicator_type, src_ip, dst_ip,
           endpoint_host, endpoint_user)
         SELECT s.at, gen_random_uuid(), f.tenant_id, f.id, f.group_id, s.at,
           'MDR-20261101-' || lpad(floor(200 * power(s.r3, 2))::int::text, 8, '0'),
           CASE WHEN s.r4 < 0.7 THEN 'MDR' ELSE 'XOPS' END, 'firewall',
           CASE WHEN s.r5 < 0.6 THEN 'drop' ELSE 'log' END, s.r5 >= 0.6 AND s.r5 < 0.64,
           'LOG_AND_DROP', 'outbound', 'dstIp', s.ip, 'ipv4', '10.0.' || (s.g % 250) || '.' || (s.g % 199), s.ip,
           CASE WHEN s.r5 < 0.6 THEN 'host-' || (s.g % 500) END, CASE WHEN s.r5 < 0.6 THEN 'user-' || (s.g % 300) END
         FROM (
           SELECT g, to_timestamp(($1::float8 + g::float8 * $2::float8 / $3::float8) / 1000) AS at,
             random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
             '198.51.' || (floor(5000 * power(random(), 3))::int / 250) || '.' || (floor(5000 * power(random(), 3))::int % 250) AS ip
           FROM generate_series(0, $3::int - 1) g
         ) s
         JOIN bench_firewall f ON f.idx = floor(${TENANTS} * power(s.r1, 2.5))::int * ${FIREWALLS_PER_TENANT}
           + floor(s.r2 * ${FIREWALLS_PER_TENANT})::int
         ORDER BY s.at`,
        [from, dayMs, count],
      );
      log(`  day ${d + 1}/${DAYS}: ${count} events`);
    }
  } finally {
    client.release();
  }
  log('  building indexes');
  await pool.query(
    `ALTER TABLE threat_event ADD CONSTRAINT threat_event_pkey ${primaryKey.rows[0]!.definition}`,
  );
  // The catalog spells a partitioned index "ON ONLY <parent>"; built ON the parent it covers every partition.
  for (const index of indexes.rows) await pool.query(index.definition.replace(' ON ONLY ', ' ON '));
  log('  vacuum analyze');
  await pool.query('VACUUM (ANALYZE) threat_event');
  await pool.query('INSERT INTO bench_dataset VALUES ($1, $2, $3, now())', [VERSION, rows, endsAt]);
}
