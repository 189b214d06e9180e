import type { AgentClient, AppliedEvent } from '@threatline/agent-client';
import { indicatorEntry, mdrTenantStreamId, type StreamId } from '@threatline/protocol';
import type { StreamChange } from '@threatline/streams';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectConverged, startAgent, startStreamCluster, type StreamCluster } from '../support/agent-stream';
import { makeFirewall, makeGroup, makeTenant } from '../support/factories';
import type { RunningProcess } from '../support/processes';

interface Agent {
  client: AgentClient;
  firewall: { tenantId: string; groupId: string; firewallId: string };
  /** Every frame applied on the tenant's MDR stream, in order. */
  applied: AppliedEvent[];
}

/** The seqs a client applied on a stream, one per delta, from its frames in order (a snapshot counts as its seq). */
function appliedSeqs(events: readonly AppliedEvent[]): number[] {
  return events.flatMap((event) =>
    event.kind === 'snapshot'
      ? [event.seq]
      : Array.from({ length: event.count }, (_, i) => event.seq - event.count + 1 + i),
  );
}

/** A snapshot first, then every later seq exactly once, in order. */
function expectGaplessAfterSnapshot(events: readonly AppliedEvent[], head: number): void {
  expect(events[0]?.kind).toBe('snapshot');
  expect(events.slice(1).every((event) => event.kind === 'deltas')).toBe(true);
  const seqs = appliedSeqs(events);
  expect(seqs).toEqual(Array.from({ length: head - seqs[0]! + 1 }, (_, i) => seqs[0]! + i));
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? 0);
}

/**
 * Several gateway processes behind one address, sharing PostgreSQL and Redis: a notice wakes each,
 * each reads the deltas once and sends every local agent the same frame; when one process dies,
 * its agents resume on another with nothing lost and nothing applied twice.
 */
describe('agent stream: several gateways', () => {
  let cluster: StreamCluster;
  let tenantId: string;
  let groupId: string;
  let mdr: StreamId;
  let counter = 0;
  const agents: Agent[] = [];

  function upsert(): StreamChange {
    const entry = indicatorEntry({
      type: 'ipv4',
      value: `172.16.${Math.floor(counter / 250)}.${counter++ % 250}`,
      auditId: 'MDR-20261123-CLUSTERX',
      dryRun: false,
    });
    return { op: 'upsert', key: entry.key, entry };
  }

  async function agentOn(urls: string[]): Promise<Agent> {
    const made = await makeFirewall(cluster.prisma, tenantId, groupId);
    const firewall = { tenantId, groupId, firewallId: made.id };
    const client = startAgent(urls, made.credential);
    const applied: AppliedEvent[] = [];
    client.on('applied', (event) => {
      if (event.stream === mdr) applied.push(event);
    });
    const agent = { client, firewall, applied };
    agents.push(agent);
    return agent;
  }

  beforeAll(async () => {
    cluster = await startStreamCluster({ nodes: 2 });
    tenantId = (await makeTenant(cluster.prisma)).id;
    groupId = (await makeGroup(cluster.prisma, tenantId)).id;
    mdr = mdrTenantStreamId(tenantId);
    await cluster.append(mdr, [upsert(), upsert()]);
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.client.stop()));
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('delivers the same deltas to agents on both gateways, one encoded frame per gateway and delta batch', async () => {
    const [a, b] = cluster.nodes;
    const onA = await Promise.all(Array.from({ length: 5 }, () => agentOn([a!.streamUrl])));
    const onB = await Promise.all(Array.from({ length: 5 }, () => agentOn([b!.streamUrl])));
    for (const agent of [...onA, ...onB])
      await expectConverged(cluster.reader(), agent.client, agent.firewall);

    const framesBefore = await metric(a!.url, 'gateway_live_frames_total');
    const sendsBefore = await metric(a!.url, 'gateway_live_sends_total');
    for (let i = 0; i < 10; i++) await cluster.append(mdr, [upsert()]);
    for (const agent of [...onA, ...onB])
      await expectConverged(cluster.reader(), agent.client, agent.firewall);

    const head = (await cluster.reader().head(mdr)).head;
    for (const agent of [...onA, ...onB]) expectGaplessAfterSnapshot(agent.applied, head);
    const frames = (await metric(a!.url, 'gateway_live_frames_total')) - framesBefore;
    const sends = (await metric(a!.url, 'gateway_live_sends_total')) - sendsBefore;
    expect(frames).toBeGreaterThan(0);
    expect(sends).toBe(frames * onA.length);
  });

  it('on graceful shutdown tells its agents to reconnect elsewhere (1012) and writes their acks first', async () => {
    const leaving = await cluster.addNode();
    const survivor = cluster.nodes[1]!.streamUrl;
    const moving = await Promise.all(Array.from({ length: 5 }, () => agentOn([leaving.streamUrl, survivor])));
    for (const agent of moving) await expectConverged(cluster.reader(), agent.client, agent.firewall);
    const codes: number[] = [];
    for (const agent of moving) agent.client.on('disconnected', ({ code }) => codes.push(code));

    const applied = await cluster.append(mdr, [upsert()]);
    for (const agent of moving) await expectConverged(cluster.reader(), agent.client, agent.firewall);
    // Well within the ack flush interval: only the shutdown flush can have written these.
    await leaving.close();
    const acks = await cluster.prisma.firewallStreamAck.findMany({
      where: { streamId: mdr, firewallId: { in: moving.map((agent) => agent.firewall.firewallId) } },
    });
    expect(acks.map((ack) => Number(ack.seq))).toEqual(moving.map(() => applied.head));
    expect(codes).toEqual(moving.map(() => 1012));

    await cluster.append(mdr, [upsert()]);
    for (const agent of moving) await expectConverged(cluster.reader(), agent.client, agent.firewall);
    for (const agent of moving) expect(agent.client.stats.connects).toBe(2);
  });

  describe('when a gateway process is killed', () => {
    let killed: RunningProcess | undefined;

    afterAll(async () => {
      await killed?.stop('SIGKILL');
    });

    it('its agents reconnect to another and converge, nothing lost, nothing applied twice', async () => {
      const gateway = await cluster.startGatewayProcess();
      killed = gateway.process;
      const doomed = gateway.streamUrl;
      const survivor = cluster.nodes[1]!.streamUrl;
      const moving = await Promise.all(Array.from({ length: 10 }, () => agentOn([doomed, survivor])));
      const staying = await Promise.all(Array.from({ length: 5 }, () => agentOn([survivor])));
      for (const agent of [...moving, ...staying])
        await expectConverged(cluster.reader(), agent.client, agent.firewall);
      for (const agent of moving) expect(agent.client.stats.connects).toBe(1);

      // Deltas keep flowing (written through the other node) while the process dies.
      let writing = true;
      const writer = (async () => {
        while (writing) {
          await cluster.append(mdr, [upsert(), upsert()]);
          await new Promise((resolve) => setTimeout(resolve, 15));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 400));
      killed.child.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      writing = false;
      await writer;

      for (const agent of [...moving, ...staying]) {
        await expectConverged(cluster.reader(), agent.client, agent.firewall, 15_000);
      }
      const head = (await cluster.reader().head(mdr)).head;
      for (const agent of [...moving, ...staying]) expectGaplessAfterSnapshot(agent.applied, head);
      for (const agent of moving) expect(agent.client.stats.connects).toBe(2);
      for (const agent of staying) expect(agent.client.stats.connects).toBe(1);
      expect(killed.child.signalCode).toBe('SIGKILL');
    });
  });
});
