import type { AgentClient } from '@threatline/agent-client';
import { ApiKeyRole } from '@threatline/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startAgent, startStreamCluster, type StreamCluster } from '../support/agent-stream';
import { makeApiKey, makeFirewall, makeGroup, makeTenant } from '../support/factories';
import type { RunningProcess } from '../support/processes';

/**
 * Presence leases: a gateway process killed without a clean shutdown writes no disconnects;
 * once its lease expired, the surviving gateway's sweep marks its firewalls disconnected, and
 * leaves alone the ones that reconnected to it. GraphQL's `connected` tells the truth.
 */
describe('presence when a gateway process is killed', () => {
  let cluster: StreamCluster;
  let killed: RunningProcess | undefined;
  let tenantId: string;
  let groupId: string;
  let adminKey: string;
  const clients: AgentClient[] = [];

  beforeAll(async () => {
    // The survivor renews and sweeps every 500 ms.
    cluster = await startStreamCluster({ nodes: 1, gateway: { presenceLeaseMs: 1500 } });
    tenantId = (await makeTenant(cluster.prisma)).id;
    groupId = (await makeGroup(cluster.prisma, tenantId)).id;
    adminKey = (await makeApiKey(cluster.prisma, ApiKeyRole.FLEET_ADMIN, { tenantId })).secret;
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.stop()));
    await killed?.stop('SIGKILL');
    await cluster?.close();
  });

  async function agentOn(urls: string[]): Promise<{ id: string; client: AgentClient }> {
    const firewall = await makeFirewall(cluster.prisma, tenantId, groupId);
    const client = startAgent(urls, firewall.credential);
    clients.push(client);
    return { id: firewall.id, client };
  }

  const presenceOf = (id: string) =>
    cluster.prisma.firewall.findUniqueOrThrow({
      where: { id },
      select: { connected: true, gatewayInstanceId: true, lastSeenAt: true },
    });

  /** The ids GraphQL lists with `connected: <connected>`, as the fleet admin sees them. */
  async function listed(connected: boolean): Promise<string[]> {
    const response = await fetch(`${cluster.nodes[0]!.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({
        query: `query($c: Boolean) { firewalls(connected: $c, first: 100) { edges { node { id connected } } } }`,
        variables: { c: connected },
      }),
    });
    const body = (await response.json()) as {
      data?: { firewalls: { edges: { node: { id: string; connected: boolean } }[] } };
      errors?: unknown;
    };
    expect(body.errors).toBeUndefined();
    const nodes = body.data!.firewalls.edges.map((edge) => edge.node);
    expect(nodes.every((node) => node.connected === connected)).toBe(true);
    return nodes.map((node) => node.id).sort();
  }

  it('marks its firewalls disconnected once its lease expired, but not those that reconnected elsewhere', async () => {
    const gateway = await cluster.startGatewayProcess({ PRESENCE_LEASE_SECONDS: '2' });
    killed = gateway.process;
    const doomed = gateway.streamUrl;
    const survivor = cluster.nodes[0]!.streamUrl;

    const stranded = await agentOn([doomed]); // has nowhere else to go
    const moving = await agentOn([doomed, survivor]);
    const staying = await agentOn([survivor]);
    await eventually(async () => {
      const rows = await Promise.all([stranded, moving, staying].map((agent) => presenceOf(agent.id)));
      return rows.every((row) => row.connected);
    }, 'all three firewalls to be recorded connected');
    const doomedInstance = (await presenceOf(stranded.id)).gatewayInstanceId!;
    const survivorInstance = (await presenceOf(staying.id)).gatewayInstanceId!;
    expect((await presenceOf(moving.id)).gatewayInstanceId).toBe(doomedInstance);
    expect(survivorInstance).not.toBe(doomedInstance);
    expect(await listed(true)).toEqual([stranded.id, moving.id, staying.id].sort());

    killed.child.kill('SIGKILL');
    await killed.stop('SIGKILL');
    expect(killed.child.signalCode).toBe('SIGKILL');

    // The moving agent reconnects at once and the survivor records it against its own lease.
    await eventually(
      async () => (await presenceOf(moving.id)).gatewayInstanceId === survivorInstance,
      'the moving firewall to be recorded on the surviving gateway',
    );
    // Nobody wrote a disconnect for the stranded one: only the lease can tell.
    await eventually(
      async () => (await cluster.prisma.gatewayInstance.count({ where: { id: doomedInstance } })) === 0,
      'the killed gateway lease to be swept',
      15_000,
    );
    const strandedRow = await presenceOf(stranded.id);
    expect(strandedRow).toMatchObject({ connected: false, gatewayInstanceId: null });
    expect(strandedRow.lastSeenAt).not.toBeNull();
    expect(await presenceOf(moving.id)).toMatchObject({
      connected: true,
      gatewayInstanceId: survivorInstance,
    });
    expect(await presenceOf(staying.id)).toMatchObject({
      connected: true,
      gatewayInstanceId: survivorInstance,
    });
    expect(await listed(true)).toEqual([moving.id, staying.id].sort());
    expect(await listed(false)).toEqual([stranded.id]);
    expect(stranded.client.connected).toBe(false);
  });

  it('a gateway whose lease lapsed while its agents stayed connected marks them connected again', async () => {
    const agent = await agentOn([cluster.nodes[0]!.streamUrl]);
    await eventually(async () => (await presenceOf(agent.id)).connected, 'the firewall to be connected');
    const instance = (await presenceOf(agent.id)).gatewayInstanceId!;
    // What another gateway's sweep does to a lease that expired (a stall longer than the lease).
    await cluster.prisma.$transaction([
      cluster.prisma.$executeRaw`UPDATE firewall SET connected = false, gateway_instance_id = NULL
                                  WHERE gateway_instance_id = ${instance}::uuid`,
      cluster.prisma.$executeRaw`DELETE FROM gateway_instance WHERE id = ${instance}::uuid`,
    ]);
    expect(await listed(true)).not.toContain(agent.id);
    await eventually(
      async () => (await presenceOf(agent.id)).connected,
      'the gateway to re-mark its firewall connected',
      5_000,
    );
    expect(await presenceOf(agent.id)).toMatchObject({ connected: true, gatewayInstanceId: instance });
    expect(await listed(true)).toContain(agent.id);
  });
});
