import { randomUUID } from 'node:crypto';
import { FirewallStatus } from '@threatline/db';
import {
  exclusionEntry,
  exclusionStreamId,
  indicatorEntry,
  mdrTenantStreamId,
  stateChecksumOf,
} from '@threatline/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamChange } from './stream-change';
import {
  createStreamsContext,
  expectConsistent,
  snapshotEntries,
  storedStream,
  type StreamsContext,
} from './streams-context.test-support';

const upsert = (value: string): StreamChange => {
  const entry = exclusionEntry({ type: 'HOST', value });
  return { op: 'upsert', key: entry.key, entry };
};

/** Embedded mode runs the same SQL on PGlite: one pass over every operation. */
describe('streams on the embedded PGlite', () => {
  let ctx: StreamsContext;
  beforeAll(async () => {
    ctx = await createStreamsContext({ embedded: true, env: { STREAM_LOG_RETENTION_SECONDS: '60' } });
  });
  afterAll(() => ctx?.close());

  it('writes, reads, compacts, rebuilds and records acks', async () => {
    const stream = exclusionStreamId(randomUUID());
    expect(await ctx.apply(stream, [upsert('a'), upsert('b'), upsert('c')])).toMatchObject({
      head: 3,
      appended: 3,
    });
    expect(await ctx.apply(stream, [upsert('a'), { op: 'remove', key: 'HOST:zzz' }])).toMatchObject({
      appended: 0,
    });
    expect(await ctx.apply(stream, [{ op: 'remove', key: 'HOST:b' }])).toMatchObject({ head: 4 });
    const stored = await storedStream(ctx.prisma, stream);
    expectConsistent(stream, stored);

    const deltas = await ctx.reader.readSince(stream, 1, 2, 100);
    expect(deltas).toMatchObject({ kind: 'deltas', fromSeq: 3, toSeq: 4, checksum: stored.checksum });
    const snapshot = await ctx.reader.readSince(stream, 7, 0, 100);
    if (snapshot.kind !== 'snapshot') throw new Error('expected a snapshot');
    const entries = snapshotEntries(stream, snapshot);
    expect(snapshot.checksum).toBe(stateChecksumOf(stream, entries));
    expect(entries.map((entry) => entry.key).sort()).toEqual(['HOST:a', 'HOST:c']);

    await ctx.prisma.$executeRaw`UPDATE stream_delta SET created_at = now() - interval '1 day'`;
    expect(await ctx.maintenance.compact()).toEqual({ streams: 0, deletedDeltas: 0 }); // the last 1000 stay
    expect(await ctx.maintenance.rebuildStream(stream)).toMatchObject({ epoch: 2, head: 4 });
    expect(await ctx.reader.readSince(stream, 2, 4, 100)).toMatchObject({ kind: 'current' });

    const tenant = await ctx.prisma.tenant.create({ data: { name: 't' } });
    const group = await ctx.prisma.firewallGroup.create({ data: { tenantId: tenant.id, name: 'g' } });
    const firewall = await ctx.prisma.firewall.create({
      data: { tenantId: tenant.id, groupId: group.id, serial: 'SN', status: FirewallStatus.MANAGED },
    });
    await ctx.acks.record([
      { firewallId: firewall.id, streamId: stream, epoch: 2, seq: 4 },
      { firewallId: firewall.id, streamId: stream, epoch: 1, seq: 9 },
    ]);
    const ack = await ctx.prisma.firewallStreamAck.findFirstOrThrow({ where: { firewallId: firewall.id } });
    expect([ack.epoch, Number(ack.seq)]).toEqual([2, 4]);
  });

  it('reads an indicator snapshot as columns, audit IDs and dry runs included', async () => {
    const stream = mdrTenantStreamId(randomUUID());
    const entries = [
      indicatorEntry({ type: 'domain', value: 'a.example', auditId: 'MDR-20261124-BBBBBBBB', dryRun: true }),
      indicatorEntry({
        type: 'url',
        value: 'http://b.example/"x":1',
        auditId: 'MDR-20261123-AAAAAAAA',
        dryRun: false,
      }),
      indicatorEntry({ type: 'ipv4', value: '10.0.0.1', auditId: 'MDR-20261124-BBBBBBBB', dryRun: false }),
    ];
    await ctx.apply(
      stream,
      entries.map((entry) => ({ op: 'upsert', key: entry.key, entry })),
    );
    const snapshot = await ctx.reader.snapshot(stream);
    expect(snapshot.body.format).toBe('columns-v1');
    const read = snapshotEntries(stream, snapshot);
    expect(new Set(read)).toEqual(new Set(entries));
    expect(stateChecksumOf(stream, read)).toBe(snapshot.checksum);
  });
});
