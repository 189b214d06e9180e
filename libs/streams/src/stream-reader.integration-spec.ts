import { randomUUID } from 'node:crypto';
import {
  exclusionEntry,
  exclusionStreamId,
  indicatorEntry,
  mdrGroupStreamId,
  settingsEntry,
  settingsStreamId,
  stateChecksumOf,
  type IndicatorEntry,
  type StreamEntry,
} from '@threatline/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamChange } from './stream-change';
import { MIN_DELTAS_KEPT } from './stream-maintenance';
import type { ReadSinceResult } from './stream-reader';
import {
  createStreamsContext,
  replay,
  snapshotEntries,
  storedStream,
  type StreamsContext,
} from './streams-context.test-support';

const indicator = (value: string): IndicatorEntry =>
  indicatorEntry({ type: 'ipv4', value, auditId: 'MDR-20261123-AAAAAAAA', dryRun: false });
const upserts = (from: number, count: number): StreamChange[] =>
  Array.from({ length: count }, (_, i) => {
    const entry = indicator(`10.0.${Math.floor((from + i) / 256)}.${(from + i) % 256}`);
    return { op: 'upsert', key: entry.key, entry };
  });

function entriesOf(stream: string, result: ReadSinceResult): Map<string, StreamEntry> {
  const entries = snapshotEntries(stream, result);
  expect(result).toMatchObject({ count: entries.length });
  return new Map(entries.map((entry) => [entry.key, entry]));
}

describe('StreamReader', () => {
  let ctx: StreamsContext;
  beforeAll(async () => {
    ctx = await createStreamsContext({ env: { STREAM_LOG_RETENTION_SECONDS: '3600' } });
  });
  afterAll(() => ctx?.close());

  it('reads a stream never written as epoch 1, seq 0, empty', async () => {
    const stream = mdrGroupStreamId(randomUUID());
    expect(await ctx.reader.head(stream)).toEqual({
      streamId: stream,
      epoch: 1,
      head: 0,
      checksum: '0000000000000000',
      entryCount: 0,
      logStartSeq: 1,
    });
    expect(await ctx.reader.readSince(stream, 1, 0, 100)).toMatchObject({ kind: 'current', seq: 0 });
    expect(entriesOf(stream, await ctx.reader.readSince(stream, 0, 0, 100)).size).toBe(0);
  });

  it('returns exactly the missing deltas, and current when up to date', async () => {
    const stream = mdrGroupStreamId(randomUUID());
    await ctx.apply(stream, upserts(0, 100));
    await ctx.apply(stream, [{ op: 'remove', key: 'ipv4:10.0.0.5' }, ...upserts(100, 4)]);
    const stored = await storedStream(ctx.prisma, stream);
    expect(await ctx.reader.readSince(stream, 1, 105, 100)).toEqual({
      kind: 'current',
      epoch: 1,
      seq: 105,
      checksum: stored.checksum,
    });
    // From seq 0 or 1 the gap (105, 104 deltas) is longer than the state (103 entries): a snapshot is shorter.
    expect((await ctx.reader.readSince(stream, 1, 0, 200)).kind).toBe('snapshot');
    expect((await ctx.reader.readSince(stream, 1, 1, 200)).kind).toBe('snapshot');
    for (const seq of [2, 50, 104]) {
      const result = await ctx.reader.readSince(stream, 1, seq, 200);
      expect(result).toMatchObject({
        kind: 'deltas',
        epoch: 1,
        fromSeq: seq + 1,
        toSeq: 105,
        checksum: stored.checksum,
      });
      if (result.kind !== 'deltas') continue;
      expect(result.deltas).toEqual(stored.deltas.slice(seq));
      const before = replay(new Map(), stored.deltas.slice(0, seq));
      expect(replay(before, result.deltas)).toEqual(stored.entries);
    }
  });

  it('sends a snapshot for another epoch, a seq ahead of the head, or a gap longer than allowed', async () => {
    const stream = mdrGroupStreamId(randomUUID());
    await ctx.apply(stream, upserts(0, 80));
    const stored = await storedStream(ctx.prisma, stream);
    for (const [epoch, seq, max] of [
      [2, 80, 100],
      [0, 0, 100],
      [1, 81, 100],
      [1, 10, 50],
    ] as const) {
      const result = await ctx.reader.readSince(stream, epoch, seq, max);
      expect(result).toMatchObject({
        kind: 'snapshot',
        epoch: 1,
        seq: 80,
        checksum: stored.checksum,
        count: 80,
      });
      expect(entriesOf(stream, result)).toEqual(stored.entries);
    }
  });

  it('lays out the body per stream kind: columns for indicators and exclusions, an entries array for settings', async () => {
    const stream = mdrGroupStreamId(randomUUID());
    const entries = [
      indicatorEntry({
        type: 'url',
        value: 'http://a.example/"q"\\%5C?x=1:2',
        auditId: 'MDR-20261124-BBBBBBBB',
        dryRun: true,
      }),
      indicatorEntry({
        type: 'domain',
        value: 'xn--bcher-kva.example',
        auditId: 'MDR-20261123-AAAAAAAA',
        dryRun: false,
      }),
      indicatorEntry({
        type: 'domain',
        value: 'bücher.example',
        auditId: 'MDR-20261124-BBBBBBBB',
        dryRun: false,
      }),
      indicatorEntry({ type: 'cidr', value: '10.1.0.0/16', auditId: 'MDR-20261125-CCCCCCCC', dryRun: true }),
    ];
    await ctx.apply(
      stream,
      entries.map((entry) => ({ op: 'upsert', key: entry.key, entry })),
    );
    const result = await ctx.reader.snapshot(stream);
    expect(result).toMatchObject({ count: 4, body: { format: 'columns-v1' } });
    // In ascending key order: the agent's duplicate check is then a comparison with the previous key.
    const { keys } = JSON.parse(result.body.text) as { keys: string[] };
    expect(keys).toEqual([...keys].sort());
    const read = snapshotEntries(stream, result);
    expect(read).toHaveLength(4);
    expect(new Set(read)).toEqual(new Set(entries));
    expect(stateChecksumOf(stream, read)).toBe(result.checksum);

    const exclusions = exclusionStreamId(randomUUID());
    const exclusion = exclusionEntry({ type: 'URL', value: 'http://b.example/ü' });
    await ctx.apply(exclusions, [{ op: 'upsert', key: exclusion.key, entry: exclusion }]);
    const excluded = await ctx.reader.snapshot(exclusions);
    expect(excluded.body.format).toBe('columns-v1');
    expect(snapshotEntries(exclusions, excluded)).toEqual([exclusion]);

    const settings = settingsStreamId(randomUUID());
    const entry = settingsEntry({
      mdr: { enabled: true, action: 'LOG_AND_DROP' },
      xops: { enabled: false, action: 'LOG_ONLY' },
      localReporting: true,
      centralReporting: false,
    });
    await ctx.apply(settings, [{ op: 'upsert', key: entry.key, entry }]);
    const read1 = await ctx.reader.snapshot(settings);
    expect(read1.body.format).toBe('entries-v1');
    expect(snapshotEntries(settings, read1)).toEqual([entry]);
  });

  it('sends a snapshot when the gap is longer than the state itself', async () => {
    const stream = mdrGroupStreamId(randomUUID());
    await ctx.apply(stream, upserts(0, 100));
    await ctx.apply(
      stream,
      upserts(0, 100).map((change) => ({ op: 'remove', key: change.key })),
    );
    await ctx.apply(stream, upserts(500, 2));
    expect((await ctx.reader.readSince(stream, 1, 0, 1000)).kind).toBe('snapshot');
    expect((await ctx.reader.readSince(stream, 1, 150, 1000)).kind).toBe('deltas');
  });

  it('after compaction, sends a snapshot for a compacted seq and deltas for one still in the log', async () => {
    const stream = mdrGroupStreamId(randomUUID());
    await ctx.apply(stream, upserts(0, MIN_DELTAS_KEPT + 200));
    await ctx.prisma.$executeRaw`
      UPDATE stream_delta SET created_at = now() - interval '2 hours' WHERE stream_id = ${stream}`;
    expect(await ctx.maintenance.compact()).toMatchObject({ deletedDeltas: 200 });
    const after = await ctx.reader.head(stream);
    expect(after.logStartSeq).toBe(201);
    expect((await ctx.reader.readSince(stream, 1, 199, 2000)).kind).toBe('snapshot');
    const resumed = await ctx.reader.readSince(stream, 1, 200, 2000);
    expect(resumed).toMatchObject({ kind: 'deltas', fromSeq: 201, toSeq: MIN_DELTAS_KEPT + 200 });
  });

  it('after a rebuild, sends every agent a snapshot of the new epoch', async () => {
    const stream = mdrGroupStreamId(randomUUID());
    await ctx.apply(stream, upserts(0, 10));
    expect(await ctx.maintenance.rebuildStream(stream)).toEqual({ streamId: stream, epoch: 2, head: 10 });
    const result = await ctx.reader.readSince(stream, 1, 9, 100);
    expect(result).toMatchObject({ kind: 'snapshot', epoch: 2, seq: 10, count: 10 });
    expect(await ctx.reader.readSince(stream, 2, 10, 100)).toMatchObject({ kind: 'current' });
    await ctx.apply(stream, upserts(10, 1));
    expect(await ctx.reader.readSince(stream, 2, 10, 100)).toMatchObject({
      kind: 'deltas',
      epoch: 2,
      fromSeq: 11,
    });
  });

  it('reads a 100,000-entry snapshot in one query', async () => {
    const stream = mdrGroupStreamId(randomUUID());
    // Written in SQL (the writer's own path is tested above), then rebuilt so count and checksum match the entries.
    await ctx.prisma.$executeRaw`INSERT INTO stream (id) VALUES (${stream})`;
    await ctx.prisma.$executeRaw`
      INSERT INTO stream_entry (stream_id, key, entry)
      SELECT ${stream}, 'domain:host' || g || '.example',
             jsonb_build_object('key', 'domain:host' || g || '.example', 'type', 'domain',
                                'value', 'host' || g || '.example', 'auditId', 'MDR-20261123-AAAAAAAA', 'dryRun', false)
      FROM generate_series(1, 100000) AS g`;
    await ctx.maintenance.rebuildStream(stream);
    const started = performance.now();
    const result = await ctx.reader.readSince(stream, 0, 0, 1000);
    const elapsed = performance.now() - started;
    const entries = entriesOf(stream, result);
    expect(entries.size).toBe(100_000);
    expect(result).toMatchObject({ epoch: 2, checksum: stateChecksumOf(stream, entries.values()) });
    const bytes = result.kind === 'snapshot' ? result.body.text.length : 0;
    console.info(`snapshot of 100k entries read in ${elapsed.toFixed(0)} ms (a ${bytes}-byte body)`);
  });
});
