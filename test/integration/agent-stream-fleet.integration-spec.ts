import type { AgentClient } from '@threatline/agent-client';
import { ApiKeyRole } from '@threatline/db';
import {
  exclusionStreamId,
  mdrGroupStreamId,
  settingsStreamId,
  streamsOfFirewall,
} from '@threatline/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  expectConverged,
  startAgent,
  startStreamCluster,
  type StreamCluster,
} from '../support/agent-stream';
import { makeApiKey, makeFirewall, makeGroup, makeTenant } from '../support/factories';

/**
 * What fleet admins do through GraphQL reaches connected agents on their streams: settings and
 * exclusions as deltas, a move as a new stream set with snapshots, a deregistration as a closed
 * socket within a second.
 */
describe('agent stream: fleet changes through GraphQL', () => {
  let cluster: StreamCluster;
  let tenantId: string;
  let groupId: string;
  let adminKey: string;
  const clients: AgentClient[] = [];

  async function graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const response = await fetch(`${cluster.nodes[0]!.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data!;
  }

  async function connectedFirewall() {
    const made = await makeFirewall(cluster.prisma, tenantId, groupId);
    const firewall = { tenantId, groupId, firewallId: made.id };
    const client = startAgent(cluster.nodes[0]!.streamUrl, made.credential);
    clients.push(client);
    await expectConverged(cluster.reader(), client, firewall);
    return { firewall, client, credential: made.credential };
  }

  beforeAll(async () => {
    cluster = await startStreamCluster();
    tenantId = (await makeTenant(cluster.prisma)).id;
    groupId = (await makeGroup(cluster.prisma, tenantId)).id;
    adminKey = (await makeApiKey(cluster.prisma, ApiKeyRole.FLEET_ADMIN, { tenantId })).secret;
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.stop()));
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('delivers settings and exclusion changes as deltas', async () => {
    const { firewall, client } = await connectedFirewall();
    await graphql(
      'mutation($id: ID!) { updateMdrThreatFeedSettings(firewallId: $id, enabled: true, action: LOG_AND_DROP) { id } }',
      { id: firewall.firewallId },
    );
    await graphql(
      'mutation($g: ID!) { addThreatExclusion(groupId: $g, type: DOMAIN, value: "Safe.Example.COM") { id } }',
      {
        g: groupId,
      },
    );
    await expectConverged(cluster.reader(), client, firewall);
    const settings = client.state.stream(settingsStreamId(firewall.firewallId))!.entries.get('settings');
    expect(settings).toMatchObject({ settings: { mdr: { enabled: true, action: 'LOG_AND_DROP' } } });
    expect([...client.state.stream(exclusionStreamId(groupId))!.entries.keys()]).toContain(
      'DOMAIN:safe.example.com',
    );
  });

  it('swaps the group streams of a moved firewall, with snapshots of the new group', async () => {
    const { firewall, client } = await connectedFirewall();
    const target = (await makeGroup(cluster.prisma, tenantId)).id;
    await graphql(
      'mutation($g: ID!) { addThreatExclusion(groupId: $g, type: IP, value: "10.20.30.40") { id } }',
      { g: target },
    );
    const sets: string[][] = [];
    client.on('streams', (streams) => sets.push(streams));
    const snapshots: string[] = [];
    client.on('snapshot', (event) => snapshots.push(event.stream));

    await graphql('mutation($f: ID!, $g: ID!) { moveFirewall(firewallId: $f, groupId: $g) { groupId } }', {
      f: firewall.firewallId,
      g: target,
    });
    const moved = { ...firewall, groupId: target };
    await expectConverged(cluster.reader(), client, moved);
    expect(sets).toEqual([streamsOfFirewall(moved)]);
    expect(snapshots.sort()).toEqual([exclusionStreamId(target), mdrGroupStreamId(target)].sort());
    expect(client.state.stream(exclusionStreamId(groupId))).toBeUndefined();
    expect([...client.state.stream(exclusionStreamId(target))!.entries.keys()]).toEqual(['IP:10.20.30.40']);
  });

  it('closes the socket of a deregistered firewall within a second, with 4001, and the agent stops', async () => {
    const { firewall, client } = await connectedFirewall();
    const stopped = new Promise<{ code: number; at: number }>((resolve) =>
      client.once('stopped', ({ code }) => resolve({ code, at: Date.now() })),
    );
    const started = Date.now();
    await graphql('mutation($f: ID!) { deregisterFirewall(firewallId: $f) { status } }', {
      f: firewall.firewallId,
    });
    const { code, at } = await stopped;
    expect(code).toBe(4001);
    expect(at - started).toBeLessThan(1000);
    await eventually(async () => {
      const row = await cluster.prisma.firewall.findUniqueOrThrow({ where: { id: firewall.firewallId } });
      return !row.connected;
    }, 'the firewall to show as disconnected');
  });
});
