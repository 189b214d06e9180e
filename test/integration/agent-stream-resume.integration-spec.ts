import { AgentState, StreamState, type AgentClient, type AppliedEvent } from '@threatline/agent-client';
import {
  exclusionEntry,
  exclusionStreamId,
  indicatorEntry,
  mdrTenantStreamId,
  streamsOfFirewall,
  XOPS_STREAM_ID,
  type StreamId,
} from '@threatline/protocol';
import { StreamMaintenance, type StreamChange } from '@threatline/streams';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  expectConverged,
  startAgent,
  startStreamCluster,
  type StreamCluster,
} from '../support/agent-stream';
import { makeFirewall, makeGroup, makeTenant } from '../support/factories';

/**
 * Resume and live delivery on one gateway: a fresh agent gets snapshots, a returning one exactly
 * what it missed (deltas from the log, or a snapshot when the log no longer has them or the epoch
 * changed), then live deltas in order; after every scenario its checksums are the server's.
 */
describe('agent stream: resume and live deltas', () => {
  let cluster: StreamCluster;
  let firewall: { tenantId: string; groupId: string; firewallId: string; credential: string };
  let mdr: StreamId;
  const clients: AgentClient[] = [];
  let counter = 0;

  function upsertIndicator(value = `10.0.${Math.floor(counter / 250)}.${counter++ % 250}`): StreamChange {
    const entry = indicatorEntry({ type: 'ipv4', value, auditId: 'MDR-20261123-TESTTEST', dryRun: false });
    return { op: 'upsert', key: entry.key, entry };
  }

  function agent(options: { state?: AgentState } = {}): AgentClient {
    const client = startAgent(cluster.nodes[0]!.streamUrl, firewall.credential, options);
    clients.push(client);
    return client;
  }

  function appliedOn(client: AgentClient, stream: StreamId): AppliedEvent[] {
    const events: AppliedEvent[] = [];
    client.on('applied', (event) => {
      if (event.stream === stream) events.push(event);
    });
    return events;
  }

  beforeAll(async () => {
    cluster = await startStreamCluster();
    const tenantId = (await makeTenant(cluster.prisma)).id;
    const groupId = (await makeGroup(cluster.prisma, tenantId)).id;
    const made = await makeFirewall(cluster.prisma, tenantId, groupId);
    firewall = { tenantId, groupId, firewallId: made.id, credential: made.credential };
    mdr = mdrTenantStreamId(tenantId);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.stop()));
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('gives a fresh agent a snapshot of each of its five streams, then live deltas in order', async () => {
    await cluster.append(mdr, [upsertIndicator(), upsertIndicator(), upsertIndicator()]);
    await cluster.append(exclusionStreamId(firewall.groupId), [
      { op: 'upsert', key: 'IP:10.9.9.9', entry: exclusionEntry({ type: 'IP', value: '10.9.9.9' }) },
    ]);
    const client = agent();
    const snapshots: StreamId[] = [];
    client.on('snapshot', (event) => snapshots.push(event.stream));
    await expectConverged(cluster.reader(), client, firewall);
    expect(snapshots.sort()).toEqual(streamsOfFirewall(firewall).sort());
    expect(client.state.stream(mdr)?.size).toBe(3);

    const live = appliedOn(client, mdr);
    for (let i = 0; i < 20; i++) await cluster.append(mdr, [upsertIndicator()]);
    const removed = client.state.stream(mdr)!.entries.keys().next().value!;
    await cluster.append(mdr, [{ op: 'remove', key: removed }]);
    await expectConverged(cluster.reader(), client, firewall);
    // Every seq exactly once, in order, as deltas (frames may carry several when they came together).
    const seqs = live.flatMap((event) =>
      Array.from({ length: event.count }, (_, i) => event.seq - event.count + 1 + i),
    );
    expect(live.every((event) => event.kind === 'deltas')).toBe(true);
    expect(seqs).toEqual(Array.from({ length: 21 }, (_, i) => 4 + i));
    expect(client.state.stream(mdr)?.entries.has(removed)).toBe(false);
  });

  it('resumes from an old seq with exactly the deltas it missed, and no snapshot', async () => {
    const first = agent();
    await expectConverged(cluster.reader(), first, firewall);
    await first.stop();
    const held = first.state.stream(mdr)!.seq;

    await cluster.append(mdr, [upsertIndicator(), upsertIndicator()]);
    await cluster.append(mdr, [upsertIndicator(), upsertIndicator(), upsertIndicator()]);
    await cluster.append(XOPS_STREAM_ID, [upsertIndicator('198.51.100.7')]);

    const second = agent({ state: first.state });
    const missed = appliedOn(second, mdr);
    await expectConverged(cluster.reader(), second, firewall);
    expect(second.stats.snapshots).toBe(0);
    expect(missed.map(({ kind, seq, count }) => ({ kind, seq, count }))).toEqual([
      { kind: 'deltas', seq: held + 5, count: 5 },
    ]);
  });

  it('sends a snapshot when the seq it resumes from was compacted out of the log', async () => {
    const first = agent();
    await expectConverged(cluster.reader(), first, firewall);
    await first.stop();

    // More than the deltas compaction always keeps, then a compaction past the retention window.
    const many = Array.from({ length: 1100 }, () => upsertIndicator());
    await cluster.append(mdr, many);
    const maintenance = cluster.nodes[0]!.app.get(StreamMaintenance);
    const compacted = await maintenance.compact(new Date(Date.now() + 30 * 24 * 3600 * 1000));
    expect(compacted.deletedDeltas).toBeGreaterThan(0);

    const second = agent({ state: first.state });
    const snapshots: StreamId[] = [];
    second.on('snapshot', (event) => snapshots.push(event.stream));
    await expectConverged(cluster.reader(), second, firewall);
    expect(snapshots).toEqual([mdr]);
    expect(second.state.stream(mdr)?.size).toBe((await cluster.reader().head(mdr)).entryCount);
  });

  it('sends a snapshot after a rebuild under a new epoch, to live and to returning agents', async () => {
    const live = agent();
    await expectConverged(cluster.reader(), live, firewall);
    const offline = agent();
    await expectConverged(cluster.reader(), offline, firewall);
    await offline.stop();

    const maintenance = cluster.nodes[0]!.app.get(StreamMaintenance);
    const rebuilt = await maintenance.rebuildStream(mdr, [
      indicatorEntry({
        type: 'domain',
        value: 'rebuilt.example',
        auditId: 'MDR-20261123-REBUILDS',
        dryRun: false,
      }),
    ]);
    await expectConverged(cluster.reader(), live, firewall);
    expect(live.state.stream(mdr)?.epoch).toBe(rebuilt.epoch);
    expect([...live.state.stream(mdr)!.entries.keys()]).toEqual(['domain:rebuilt.example']);

    const returning = agent({ state: offline.state });
    const snapshots: StreamId[] = [];
    returning.on('snapshot', (event) => snapshots.push(event.stream));
    await expectConverged(cluster.reader(), returning, firewall);
    expect(snapshots).toEqual([mdr]);
  });

  it('answers a state that does not sum to the checksum it claims with a snapshot', async () => {
    const first = agent();
    await expectConverged(cluster.reader(), first, firewall);
    await first.stop();
    // Same position as the server, different entries: the checksum in hello gives it away.
    const head = await cluster.reader().head(mdr);
    const forged = new AgentState([
      ...first.state.streams().filter((state) => state.streamId !== mdr),
      StreamState.restore(mdr, head.epoch, head.head, [
        indicatorEntry({ type: 'ipv4', value: '192.0.2.1', auditId: 'MDR-20261123-FORGEDXX', dryRun: false }),
      ]),
    ]);
    const second = agent({ state: forged });
    const snapshots: StreamId[] = [];
    second.on('snapshot', (event) => snapshots.push(event.stream));
    await expectConverged(cluster.reader(), second, firewall);
    expect(snapshots).toEqual([mdr]);
  });

  it('asks for a snapshot itself when deltas do not lead to the server checksum, and converges', async () => {
    const first = agent();
    await expectConverged(cluster.reader(), first, firewall);
    await first.stop();
    const held = first.state.stream(mdr)!;
    // A state at the right position but with one entry too many: the next deltas cannot verify.
    const corrupted = new AgentState([
      ...first.state.streams().filter((state) => state.streamId !== mdr),
      StreamState.restore(mdr, held.epoch, held.seq, [
        ...held.entries.values(),
        indicatorEntry({
          type: 'ipv4',
          value: '192.0.2.99',
          auditId: 'MDR-20261123-EXTRAXXX',
          dryRun: false,
        }),
      ]),
    ]);
    await cluster.append(mdr, [upsertIndicator()]);
    const second = agent({ state: corrupted });
    const mismatches: string[] = [];
    second.on('mismatch', (event) => mismatches.push(event.stream));
    await eventually(async () => {
      const server = await cluster.reader().head(mdr);
      return second.state.stream(mdr)?.checksum === server.checksum && second.stats.snapshots === 1;
    }, 'the corrupted agent to resync');
    expect(mismatches).toEqual([mdr]);
    expect(second.stats.gaps + second.stats.duplicates).toBe(0);
  });

  it('records as applied the head an agent resumes at with a matching checksum, though it never acked it', async () => {
    const first = agent();
    await expectConverged(cluster.reader(), first, firewall);
    await first.stop();
    const streams = streamsOfFirewall(firewall);
    // Every stream acked at its head (this firewall's rows hold earlier tests' acks too).
    const ackedAtHeads = async () => {
      const acks = await cluster.prisma.firewallStreamAck.findMany({
        where: { firewallId: firewall.firewallId },
      });
      const heads = await Promise.all(streams.map((stream) => cluster.reader().head(stream)));
      return streams.every((stream, i) =>
        acks.some(
          (ack) =>
            ack.streamId === stream && ack.epoch === heads[i]!.epoch && Number(ack.seq) === heads[i]!.head,
        ),
      );
    };
    await eventually(ackedAtHeads, 'the first acks');
    // As if the agent was killed after saving what it applied but before its acks arrived.
    await cluster.prisma.firewallStreamAck.deleteMany({ where: { firewallId: firewall.firewallId } });

    const second = agent({ state: first.state });
    const applied = appliedOn(second, mdr);
    await expectConverged(cluster.reader(), second, firewall);
    await eventually(ackedAtHeads, 'the acks of the resumed heads');
    expect(applied).toEqual([]);
  });

  it('records what each agent applied, in batches, and whether the firewall is connected', async () => {
    const client = agent();
    await expectConverged(cluster.reader(), client, firewall);
    await cluster.append(mdr, [upsertIndicator()]);
    await expectConverged(cluster.reader(), client, firewall);
    const head = await cluster.reader().head(mdr);
    await eventually(async () => {
      const ack = await cluster.prisma.firewallStreamAck.findUnique({
        where: { firewallId_streamId: { firewallId: firewall.firewallId, streamId: mdr } },
      });
      return ack !== null && Number(ack.seq) === head.head && ack.epoch === head.epoch;
    }, 'the ack of the last delta to be recorded');
    const acks = await cluster.prisma.firewallStreamAck.count({ where: { firewallId: firewall.firewallId } });
    expect(acks).toBe(5);
    await eventually(
      async () =>
        (await cluster.prisma.firewall.findUniqueOrThrow({ where: { id: firewall.firewallId } })).connected,
      'the firewall to show as connected',
    );
    await client.stop();
    await eventually(
      async () =>
        !(await cluster.prisma.firewall.findUniqueOrThrow({ where: { id: firewall.firewallId } })).connected,
      'the firewall to show as disconnected',
    );
    const row = await cluster.prisma.firewall.findUniqueOrThrow({ where: { id: firewall.firewallId } });
    expect(row.lastSeenAt).not.toBeNull();
  });
});
