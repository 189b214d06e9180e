import type { AgentClient, AppliedEvent } from '@threatline/agent-client';
import {
  exclusionEntry,
  exclusionStreamId,
  indicatorEntry,
  mdrTenantStreamId,
  PROTOCOL_VERSION,
  stateChecksumOf,
  type StreamEntry,
  type StreamId,
} from '@threatline/protocol';
import { StreamMaintenance, type StreamChange } from '@threatline/streams';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { expectConverged, startAgent, startStreamCluster, type StreamCluster } from '../support/agent-stream';
import { makeFirewall, makeGroup, makeTenant } from '../support/factories';

/** The resume answers' lifetime in these tests: the latest snapshot of a stream is kept well beyond it. */
const RESUME_CACHE_TTL_MS = 200;

type Firewall = { tenantId: string; groupId: string; firewallId: string; credential: string };

/** Snapshots the gateway read from PostgreSQL for streams of `kind`, as its /metrics says. */
async function snapshotReads(url: string, kind: 'indicators' | 'exclusions' | 'settings'): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('gateway_snapshot_reads_total{') && line.includes(`kind="${kind}"`))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

async function makeAgentFirewall(cluster: StreamCluster): Promise<Firewall> {
  const tenantId = (await makeTenant(cluster.prisma)).id;
  const groupId = (await makeGroup(cluster.prisma, tenantId)).id;
  const made = await makeFirewall(cluster.prisma, tenantId, groupId);
  return { tenantId, groupId, firewallId: made.id, credential: made.credential };
}

/** What an agent applied on one stream, in order: snapshots and deltas frames. */
function appliedOn(client: AgentClient, stream: StreamId): AppliedEvent[] {
  const events: AppliedEvent[] = [];
  client.on('applied', (event) => {
    if (event.stream === stream) events.push(event);
  });
  return events;
}

/**
 * The gateway keeps each shared stream's latest encoded snapshot beyond the resume answers' few
 * seconds: a firewall coming online minutes after another gets the same frame without a new read,
 * then the deltas appended since from the log; never a snapshot of an older epoch.
 */
describe('agent stream: the latest snapshot is shared by fresh agents', () => {
  let cluster: StreamCluster;
  let firewall: Firewall;
  let mdr: StreamId;
  let url: string;
  let initial: StreamChange[];
  const clients: AgentClient[] = [];
  let counter = 0;

  function upsertIndicator(): StreamChange {
    const value = `10.2.${Math.floor(counter / 250)}.${counter++ % 250}`;
    const entry = indicatorEntry({ type: 'ipv4', value, auditId: 'MDR-20261123-REUSEXXX', dryRun: false });
    return { op: 'upsert', key: entry.key, entry };
  }

  function agent(): AgentClient {
    const client = startAgent(cluster.nodes[0]!.streamUrl, firewall.credential);
    clients.push(client);
    return client;
  }

  /**
   * A fresh agent that converges and leaves (the gateway then holds no channel of its streams): what it
   * applied on the MDR stream.
   */
  async function freshAgentComesAndGoes(): Promise<AppliedEvent[]> {
    const client = agent();
    const applied = appliedOn(client, mdr);
    await expectConverged(cluster.reader(), client, firewall);
    await client.stop();
    return applied;
  }

  /** The first `count` frames of the MDR stream a raw socket gets after a hello naming no body formats. */
  async function mdrFramesOfOldAgent(count: number): Promise<Record<string, unknown>[]> {
    const socket = new WebSocket(cluster.nodes[0]!.streamUrl, {
      headers: { Authorization: `Bearer ${firewall.credential}` },
    });
    try {
      return await new Promise((resolve, reject) => {
        const frames: Record<string, unknown>[] = [];
        const timeout = setTimeout(() => {
          const got = frames.map(({ type, epoch, seq, fromSeq, toSeq }) => ({
            type,
            epoch,
            seq,
            fromSeq,
            toSeq,
          }));
          reject(new Error(`${count} frames of ${mdr} expected in 5 s, got ${JSON.stringify(got)}`));
        }, 5000);
        socket.on('open', () =>
          socket.send(
            JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, agent: { version: 'old' }, streams: [] }),
          ),
        );
        socket.on('message', (data: Buffer, isBinary) => {
          let message: Record<string, unknown>;
          if (isBinary) {
            const headerLength = data.readUInt32BE(0);
            const header = JSON.parse(data.subarray(4, 4 + headerLength).toString()) as Record<
              string,
              unknown
            >;
            const raw = data.subarray(4 + headerLength);
            message = { ...header, body: (header.encoding === 'gzip' ? gunzipSync(raw) : raw).toString() };
          } else {
            message = JSON.parse(data.toString()) as Record<string, unknown>;
          }
          if (message.stream !== mdr) return;
          frames.push(message);
          if (frames.length < count) return;
          clearTimeout(timeout);
          resolve(frames);
        });
        socket.on('close', (code, reason) => reject(new Error(`closed ${code}: ${reason.toString()}`)));
        socket.on('error', reject);
      });
    } finally {
      socket.close();
    }
  }

  beforeAll(async () => {
    cluster = await startStreamCluster({ gateway: { resumeCacheTtlMs: RESUME_CACHE_TTL_MS } });
    firewall = await makeAgentFirewall(cluster);
    mdr = mdrTenantStreamId(firewall.tenantId);
    url = cluster.nodes[0]!.url;
    initial = Array.from({ length: 300 }, () => upsertIndicator());
    await cluster.append(mdr, initial);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.stop()));
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('gives a fresh agent arriving after the resume answers expired the same snapshot, without a read', async () => {
    const first = agent();
    const firstApplied = appliedOn(first, mdr);
    await expectConverged(cluster.reader(), first, firewall);
    await first.stop();
    const indicatorReads = await snapshotReads(url, 'indicators');
    const exclusionReads = await snapshotReads(url, 'exclusions');
    const settingsReads = await snapshotReads(url, 'settings');
    await sleep(2 * RESUME_CACHE_TTL_MS);

    const second = agent();
    const secondApplied = appliedOn(second, mdr);
    await expectConverged(cluster.reader(), second, firewall);
    expect(secondApplied).toEqual(firstApplied);
    expect(secondApplied).toMatchObject([{ kind: 'snapshot', count: 300 }]);
    // The MDR, group and X-Ops streams and the group's exclusions, shared by a fleet: kept. The
    // firewall's own settings stream: only for the resume answers' time.
    expect(await snapshotReads(url, 'indicators')).toBe(indicatorReads);
    expect(await snapshotReads(url, 'exclusions')).toBe(exclusionReads);
    expect(await snapshotReads(url, 'settings')).toBe(settingsReads + 1);
  });

  it('gives a fresh agent the kept snapshot, then exactly the deltas appended since', async () => {
    await freshAgentComesAndGoes();
    const kept = await cluster.reader().head(mdr);
    await cluster.append(mdr, [upsertIndicator(), upsertIndicator()]);
    await cluster.append(mdr, [{ op: 'remove', key: initial[0]!.key }]);
    const head = await cluster.reader().head(mdr);
    expect(head.head).toBe(kept.head + 3);
    const indicatorReads = await snapshotReads(url, 'indicators');
    await sleep(2 * RESUME_CACHE_TTL_MS);

    const client = agent();
    const applied = appliedOn(client, mdr);
    let checksumAtSnapshot: string | undefined;
    client.on('snapshot', (event) => {
      if (event.stream === mdr) checksumAtSnapshot = client.state.stream(mdr)?.checksum;
    });
    await expectConverged(cluster.reader(), client, firewall);
    expect(applied).toEqual([
      { stream: mdr, epoch: kept.epoch, seq: kept.head, kind: 'snapshot', count: kept.entryCount },
      { stream: mdr, epoch: kept.epoch, seq: kept.head + 3, kind: 'deltas', count: 3 },
    ]);
    // What the agent verified at the snapshot is the server's state there, and at the head the server's.
    expect(checksumAtSnapshot).toBe(kept.checksum);
    expect(client.state.stream(mdr)?.checksum).toBe(head.checksum);
    expect(client.state.stream(mdr)?.size).toBe(head.entryCount);
    expect(await snapshotReads(url, 'indicators')).toBe(indicatorReads);
  });

  it('converts the kept snapshot for an agent that reads entries-v1 only, then sends the deltas since', async () => {
    const [kept] = await freshAgentComesAndGoes();
    expect(kept).toMatchObject({ kind: 'snapshot' });
    await cluster.append(mdr, [upsertIndicator()]);
    const head = await cluster.reader().head(mdr);
    const indicatorReads = await snapshotReads(url, 'indicators');
    await sleep(2 * RESUME_CACHE_TTL_MS);

    // An agent from before body formats: a hello that names none.
    const [snapshot, deltas] = await mdrFramesOfOldAgent(2);
    expect(snapshot).toMatchObject({ type: 'snapshot', epoch: kept!.epoch, seq: kept!.seq });
    expect(snapshot).not.toHaveProperty('format');
    const entries = JSON.parse(snapshot!.body as string) as StreamEntry[];
    expect(entries).toHaveLength(kept!.count);
    expect(stateChecksumOf(mdr, entries)).toBe(snapshot!.checksum);
    expect(deltas).toMatchObject({
      type: 'deltas',
      fromSeq: kept!.seq + 1,
      toSeq: head.head,
      checksum: head.checksum,
    });
    expect(await snapshotReads(url, 'indicators')).toBe(indicatorReads);
  });

  it('reads a snapshot of the new epoch after a rebuild, never handing out the old one', async () => {
    await freshAgentComesAndGoes();
    const before = await cluster.reader().head(mdr);
    // Same entries, same seq: only the epoch tells the kept snapshot from the stream's state.
    const rebuilt = await cluster.nodes[0]!.app.get(StreamMaintenance).rebuildStream(mdr);
    expect(rebuilt.epoch).toBe(before.epoch + 1);
    const indicatorReads = await snapshotReads(url, 'indicators');

    const client = agent();
    const applied = appliedOn(client, mdr);
    await expectConverged(cluster.reader(), client, firewall);
    expect(applied).toEqual([
      { stream: mdr, epoch: rebuilt.epoch, seq: before.head, kind: 'snapshot', count: before.entryCount },
    ]);
    expect(await snapshotReads(url, 'indicators')).toBe(indicatorReads + 1);
    await client.stop();

    // The new epoch's snapshot is the one kept now.
    const next = agent();
    const nextApplied = appliedOn(next, mdr);
    await expectConverged(cluster.reader(), next, firewall);
    expect(nextApplied).toEqual(applied);
    expect(await snapshotReads(url, 'indicators')).toBe(indicatorReads + 1);
  });
});

describe('agent stream: kept snapshots stay within the cache bound', () => {
  /** One group's exclusions take ~44 KB encoded (random names barely compress): one fits, two do not. */
  const MAX_BYTES = 64 * 1024;
  const EXCLUSIONS = 3000;
  let cluster: StreamCluster;
  const clients: AgentClient[] = [];

  beforeAll(async () => {
    cluster = await startStreamCluster({
      gateway: { resumeCacheTtlMs: RESUME_CACHE_TTL_MS, resumeCacheMaxBytes: MAX_BYTES },
    });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.stop()));
  });

  afterAll(async () => {
    await cluster?.close();
  });

  async function firewallWithExclusions(): Promise<Firewall> {
    const firewall = await makeAgentFirewall(cluster);
    const changes: StreamChange[] = Array.from({ length: EXCLUSIONS }, () => {
      const entry = exclusionEntry({
        type: 'DOMAIN',
        value: `${randomBytes(12).toString('hex')}.example.org`,
      });
      return { op: 'upsert', key: entry.key, entry };
    });
    await cluster.append(exclusionStreamId(firewall.groupId), changes);
    return firewall;
  }

  async function freshAgentOf(firewall: Firewall): Promise<void> {
    const client = startAgent(cluster.nodes[0]!.streamUrl, firewall.credential);
    clients.push(client);
    await expectConverged(cluster.reader(), client, firewall);
    expect(client.state.stream(exclusionStreamId(firewall.groupId))?.size).toBe(EXCLUSIONS);
    await client.stop();
  }

  it('evicts the least recently used snapshot when another one does not fit', async () => {
    const url = cluster.nodes[0]!.url;
    const a = await firewallWithExclusions();
    const b = await firewallWithExclusions();
    await freshAgentOf(a);
    await freshAgentOf(a);
    expect(await snapshotReads(url, 'exclusions')).toBe(1);
    // B's exclusions do not fit next to A's: A's, used least recently, make room.
    await freshAgentOf(b);
    expect(await snapshotReads(url, 'exclusions')).toBe(2);
    await freshAgentOf(a);
    expect(await snapshotReads(url, 'exclusions')).toBe(3);
  });
});
