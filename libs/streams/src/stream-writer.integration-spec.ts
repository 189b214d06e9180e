import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  exclusionEntry,
  exclusionStreamId,
  indicatorEntry,
  mdrTenantStreamId,
  settingsEntry,
  settingsStreamId,
  XOPS_STREAM_ID,
  type IndicatorEntry,
} from '@threatline/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { streamChannel } from './notices';
import type { StreamChange } from './stream-change';
import {
  createStreamsContext,
  expectConsistent,
  storedStream,
  type StreamsContext,
} from './streams-context.test-support';

const indicator = (value: string, auditId = 'MDR-20261123-AAAAAAAA', dryRun = false): IndicatorEntry =>
  indicatorEntry({ type: 'domain', value, auditId, dryRun });
const upsert = (entry: IndicatorEntry): StreamChange => ({ op: 'upsert', key: entry.key, entry });

describe('StreamWriter', () => {
  let ctx: StreamsContext;
  beforeAll(async () => {
    ctx = await createStreamsContext();
  });
  afterAll(() => ctx?.close());

  it('creates a stream at epoch 1 and appends deltas with the next seqs, keeping entries, count and checksum', async () => {
    const stream = mdrTenantStreamId(randomUUID());
    const first = await ctx.apply(stream, [upsert(indicator('a.example')), upsert(indicator('b.example'))]);
    expect(first).toMatchObject({ streamId: stream, epoch: 1, head: 2, appended: 2 });
    const second = await ctx.apply(stream, [
      { op: 'remove', key: 'domain:a.example' },
      upsert(indicator('b.example', 'MDR-20261123-BBBBBBBB')),
    ]);
    expect(second).toMatchObject({ head: 4, appended: 2 });
    const stored = await storedStream(ctx.prisma, stream);
    expect(stored.deltas.map((delta) => [delta.seq, delta.op, delta.key])).toEqual([
      [1, 'upsert', 'domain:a.example'],
      [2, 'upsert', 'domain:b.example'],
      [3, 'remove', 'domain:a.example'],
      [4, 'upsert', 'domain:b.example'],
    ]);
    expect([...stored.entries.values()]).toEqual([indicator('b.example', 'MDR-20261123-BBBBBBBB')]);
    expect(second.checksum).toBe(stored.checksum);
    expectConsistent(stream, stored);
  });

  it('takes the current entries from the caller when given (read under the same lock), with the same result', async () => {
    const stream = mdrTenantStreamId(randomUUID());
    await ctx.apply(stream, [upsert(indicator('a.example')), upsert(indicator('b.example'))]);
    const changes: StreamChange[] = [
      { op: 'remove', key: 'domain:a.example' },
      upsert(indicator('b.example', 'MDR-20261123-BBBBBBBB')),
      upsert(indicator('c.example')),
      { op: 'remove', key: 'domain:missing.example' },
    ];
    const known = new Map([
      ['domain:a.example', indicator('a.example')],
      ['domain:b.example', indicator('b.example')],
    ]);
    const applied = await ctx.prisma.$transaction((tx) => ctx.writer.apply(tx, stream, changes, known));
    expect(applied).toMatchObject({ head: 5, appended: 3 });
    const stored = await storedStream(ctx.prisma, stream);
    expect([...stored.entries.keys()].sort()).toEqual(['domain:b.example', 'domain:c.example']);
    expect(applied.checksum).toBe(stored.checksum);
    expectConsistent(stream, stored);

    // They are not read again: a key the caller says is absent is taken as absent (removing it is a no-op).
    const trusted = await ctx.prisma.$transaction((tx) =>
      ctx.writer.apply(tx, stream, [{ op: 'remove', key: 'domain:c.example' }], new Map()),
    );
    expect(trusted).toMatchObject({ head: 5, appended: 0 });
  });

  it('appends nothing for changes that leave the state as it is', async () => {
    const stream = exclusionStreamId(randomUUID());
    const entry = exclusionEntry({ type: 'IP', value: '10.0.0.1' });
    await ctx.apply(stream, [{ op: 'upsert', key: entry.key, entry }]);
    const reordered = { value: entry.value, type: entry.type, key: entry.key };
    const again = await ctx.apply(stream, [
      { op: 'upsert', key: entry.key, entry: reordered },
      { op: 'remove', key: 'IP:10.0.0.2' },
    ]);
    expect(again).toMatchObject({ head: 1, appended: 0 });
    expect(await ctx.apply(stream, [])).toMatchObject({ head: 1, appended: 0 });
    // A key set and dropped again in one call is two deltas: agents see every step, in order.
    const flip = await ctx.apply(stream, [
      { op: 'upsert', key: 'IP:10.0.0.3', entry: exclusionEntry({ type: 'IP', value: '10.0.0.3' }) },
      { op: 'remove', key: 'IP:10.0.0.3' },
    ]);
    expect(flip).toMatchObject({ head: 3, appended: 2 });
    expectConsistent(stream, await storedStream(ctx.prisma, stream));
  });

  it('leaves no delta, entry, head or stream row behind when the transaction rolls back', async () => {
    const stream = XOPS_STREAM_ID;
    await ctx.apply(stream, [upsert(indicator('kept.example'))]);
    const before = await storedStream(ctx.prisma, stream);
    await expect(
      ctx.prisma.$transaction(async (tx) => {
        await ctx.writer.apply(tx, stream, [upsert(indicator('lost.example'))]);
        throw new Error('the caller failed after writing');
      }),
    ).rejects.toThrow('the caller failed');
    expect(await storedStream(ctx.prisma, stream)).toEqual(before);

    const fresh = settingsStreamId(randomUUID());
    const entry = settingsEntry({
      mdr: { enabled: true, action: 'LOG_AND_DROP' },
      xops: { enabled: false, action: 'LOG_ONLY' },
      localReporting: true,
      centralReporting: true,
    });
    await expect(
      ctx.prisma.$transaction(async (tx) => {
        await ctx.writer.apply(tx, fresh, [{ op: 'upsert', key: entry.key, entry }]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await ctx.prisma.stream.count({ where: { id: fresh } })).toBe(0);
  });

  it('keeps seqs gapless under 20 concurrent writers on one stream', async () => {
    const stream = mdrTenantStreamId(randomUUID());
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, writer) =>
        ctx.apply(
          stream,
          Array.from({ length: 5 }, (_, i) => upsert(indicator(`w${writer}-${i}.example`))),
        ),
      ),
    );
    const heads = results.map((result) => result.head).sort((a, b) => a - b);
    expect(heads).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 5));
    const stored = await storedStream(ctx.prisma, stream);
    expect(stored.head).toBe(100);
    expect(stored.entries.size).toBe(100);
    expectConsistent(stream, stored);
  });

  it('keeps the checksum equal to one computed from scratch after any sequence of changes', async () => {
    const keys = ['a', 'b', 'c', 'd', 'e'].map((name) => `${name}.example`);
    const change = fc.oneof(
      fc
        .record({
          value: fc.constantFrom(...keys),
          audit: fc.constantFrom('AAAAAAAA', 'BBBBBBBB'),
          dryRun: fc.boolean(),
        })
        .map(({ value, audit, dryRun }) => upsert(indicator(value, `MDR-20261123-${audit}`, dryRun))),
      fc.constantFrom(...keys).map((value): StreamChange => ({ op: 'remove', key: `domain:${value}` })),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(change, { maxLength: 6 }), { minLength: 1, maxLength: 6 }),
        async (batches) => {
          const stream = mdrTenantStreamId(randomUUID());
          for (const batch of batches) await ctx.apply(stream, batch);
          const stored = await storedStream(ctx.prisma, stream);
          if (stored.head > 0) expectConsistent(stream, stored);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('refuses malformed changes before writing anything', async () => {
    const stream = exclusionStreamId(randomUUID());
    const wrongKind = indicator('x.example');
    await expect(ctx.apply(stream, [upsert(wrongKind)])).rejects.toThrow(
      /change 0 on exc:g:.*: not a exclusions entry/,
    );
    const entry = exclusionEntry({ type: 'DOMAIN', value: 'ok.example' });
    await expect(ctx.apply(stream, [{ op: 'upsert', key: 'DOMAIN:other.example', entry }])).rejects.toThrow(
      'differs from entry.key',
    );
    await expect(ctx.apply('nope', [])).rejects.toThrow('not a stream id');
    expect(await ctx.prisma.stream.count({ where: { id: stream } })).toBe(0);
  });

  it('wakes readers with a notice per stream carrying the newest head', async () => {
    const stream = mdrTenantStreamId(randomUUID());
    const received: string[] = [];
    const unsubscribe = await ctx.pubSub.subscribe(streamChannel(stream), (message) =>
      received.push(message.toString()),
    );
    await ctx.writer.notify([
      { streamId: stream, epoch: 1, head: 3 },
      { streamId: stream, epoch: 1, head: 5 },
      stream,
    ]);
    await ctx.writer.notify([stream]);
    await vi.waitFor(() => expect(received).toEqual(['{"epoch":1,"head":5}', '{}']));
    await unsubscribe();
  });
});
