import { randomUUID } from 'node:crypto';
import { FirewallStatus } from '@threatline/db';
import {
  exclusionEntry,
  exclusionStreamId,
  mdrTenantStreamId,
  settingsStreamId,
  stateChecksumOf,
  XOPS_STREAM_ID,
  type StreamEntry,
} from '@threatline/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamChange } from './stream-change';
import { MIN_DELTAS_KEPT } from './stream-maintenance';
import { createStreamsContext, storedStream, type StreamsContext } from './streams-context.test-support';

const exclusions = (from: number, count: number): StreamChange[] =>
  Array.from({ length: count }, (_, i) => {
    const entry = exclusionEntry({ type: 'HOST', value: `host-${from + i}` });
    return { op: 'upsert', key: entry.key, entry };
  });

describe('stream maintenance', () => {
  let ctx: StreamsContext;
  beforeAll(async () => {
    ctx = await createStreamsContext({ env: { STREAM_LOG_RETENTION_SECONDS: '3600' } });
  });
  afterAll(() => ctx?.close());

  const age = (streamId: string, seqBelow: number, interval: string) =>
    ctx.prisma.$executeRawUnsafe(
      `UPDATE stream_delta SET created_at = now() - interval '${interval}' WHERE stream_id = $1 AND seq < $2`,
      streamId,
      seqBelow,
    );

  it('deletes deltas past the retention window, keeping the last 1000 of each stream and the recent ones', async () => {
    const long = exclusionStreamId(randomUUID());
    const short = exclusionStreamId(randomUUID());
    const recent = exclusionStreamId(randomUUID());
    await ctx.apply(long, exclusions(0, MIN_DELTAS_KEPT + 300));
    await ctx.apply(short, exclusions(0, 50));
    await ctx.apply(recent, exclusions(0, MIN_DELTAS_KEPT + 300));
    await age(long, 1_000_000, '2 hours');
    await age(short, 1_000_000, '2 hours');
    await age(recent, 101, '2 hours'); // only seqs 1..100 are old
    const before = await storedStream(ctx.prisma, long);

    expect(await ctx.maintenance.compact()).toEqual({ streams: 2, deletedDeltas: 400 });
    const after = await storedStream(ctx.prisma, long);
    expect(after.logStartSeq).toBe(301);
    expect(after.deltas.map((delta) => delta.seq)).toEqual(
      before.deltas.slice(300).map((delta) => delta.seq),
    );
    expect({ ...after, deltas: [], logStartSeq: 0 }).toEqual({ ...before, deltas: [], logStartSeq: 0 });
    expect((await storedStream(ctx.prisma, short)).deltas).toHaveLength(50);
    expect((await storedStream(ctx.prisma, recent)).logStartSeq).toBe(101);
    // Running again finds nothing more to do.
    expect(await ctx.maintenance.compact()).toEqual({ streams: 0, deletedDeltas: 0 });
  });

  it('rebuilds a stream under a new epoch, from its entries or from given ones, with an empty log', async () => {
    const stream = mdrTenantStreamId(randomUUID());
    const exc = exclusionStreamId(randomUUID());
    await ctx.apply(exc, exclusions(0, 5));
    // A corrupted row: the checksum no longer matches the entries.
    await ctx.prisma
      .$executeRaw`UPDATE stream SET checksum = '00000000deadbeef', entry_count = 99 WHERE id = ${exc}`;
    expect(await ctx.maintenance.rebuildStream(exc)).toEqual({ streamId: exc, epoch: 2, head: 5 });
    const rebuilt = await storedStream(ctx.prisma, exc);
    expect(rebuilt).toMatchObject({ epoch: 2, head: 5, entryCount: 5, logStartSeq: 6, deltas: [] });
    expect(rebuilt.checksum).toBe(stateChecksumOf(exc, rebuilt.entries.values()));

    const replacement: StreamEntry[] = [exclusionEntry({ type: 'IP', value: '192.0.2.1' })];
    expect(await ctx.maintenance.rebuildStream(exc, replacement)).toMatchObject({ epoch: 3, head: 5 });
    const replaced = await storedStream(ctx.prisma, exc);
    expect([...replaced.entries.values()]).toEqual(replacement);
    expect(replaced.checksum).toBe(stateChecksumOf(exc, replacement));
    await expect(ctx.maintenance.rebuildStream(stream, replacement)).rejects.toThrow(
      'not a indicators entry',
    );
  });
});

describe('AckRecorder', () => {
  let ctx: StreamsContext;
  let firewallId: string;
  beforeAll(async () => {
    ctx = await createStreamsContext();
    const tenant = await ctx.prisma.tenant.create({ data: { name: `t-${randomUUID()}` } });
    const group = await ctx.prisma.firewallGroup.create({ data: { tenantId: tenant.id, name: 'g' } });
    const firewall = await ctx.prisma.firewall.create({
      data: { tenantId: tenant.id, groupId: group.id, serial: 'SN-1', status: FirewallStatus.MANAGED },
    });
    firewallId = firewall.id;
  });
  afterAll(() => ctx?.close());

  const stored = async () =>
    (
      await ctx.prisma.firewallStreamAck.findMany({ where: { firewallId }, orderBy: { streamId: 'asc' } })
    ).map((ack) => ({ streamId: ack.streamId, epoch: ack.epoch, seq: Number(ack.seq) }));

  it('records a batch in one upsert, keeping the highest (epoch, seq) per stream', async () => {
    const settings = settingsStreamId(firewallId);
    await ctx.acks.record([
      { firewallId, streamId: XOPS_STREAM_ID, epoch: 1, seq: 7 },
      { firewallId, streamId: XOPS_STREAM_ID, epoch: 1, seq: 9 },
      { firewallId, streamId: XOPS_STREAM_ID, epoch: 1, seq: 8 },
      { firewallId, streamId: settings, epoch: 1, seq: 1 },
      { firewallId: randomUUID(), streamId: XOPS_STREAM_ID, epoch: 1, seq: 1 },
    ]);
    expect(await stored()).toEqual([
      { streamId: settings, epoch: 1, seq: 1 },
      { streamId: XOPS_STREAM_ID, epoch: 1, seq: 9 },
    ]);
    await ctx.acks.record([
      { firewallId, streamId: XOPS_STREAM_ID, epoch: 1, seq: 3 },
      { firewallId, streamId: settings, epoch: 2, seq: 1 },
    ]);
    await ctx.acks.record([]);
    expect(await stored()).toEqual([
      { streamId: settings, epoch: 2, seq: 1 },
      { streamId: XOPS_STREAM_ID, epoch: 1, seq: 9 },
    ]);
  });

  it('takes concurrent batches from several gateways without deadlocking', async () => {
    const streams = Array.from({ length: 20 }, () => exclusionStreamId(randomUUID()));
    await Promise.all(
      Array.from({ length: 8 }, (_, gateway) =>
        ctx.acks.record(
          (gateway % 2 === 0 ? streams : [...streams].reverse()).map((streamId) => ({
            firewallId,
            streamId,
            epoch: 1,
            seq: gateway + 1,
          })),
        ),
      ),
    );
    const rows = await ctx.prisma.firewallStreamAck.findMany({
      where: { firewallId, streamId: { in: streams } },
    });
    expect(rows.map((row) => Number(row.seq))).toEqual(streams.map(() => 8));
  });
});
