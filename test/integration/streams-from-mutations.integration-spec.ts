import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKeyRole, FirewallStatus } from '@threatline/db';
import { createTestApi, TestApi } from '@threatline/http/testing';
import { PubSub } from '@threatline/messaging';
import { exclusionStreamId, settingsStreamId, stateChecksumOf, type StreamEntry } from '@threatline/protocol';
import { streamChannel, tenantFirewallsChannel } from '@threatline/streams';
import { makeApiKey, makeEnrollmentToken, makeFirewall, makeGroup, makeTenant } from '../support/factories';

const ADD = `mutation($groupId: ID!, $type: ExclusionType!, $value: String!) {
  addThreatExclusion(groupId: $groupId, type: $type, value: $value) { id }
}`;
const REMOVE = `mutation($id: ID!) { removeThreatExclusion(id: $id) { id } }`;
const MDR = `mutation($id: ID!, $enabled: Boolean!, $action: ThreatFeedAction!) {
  updateMdrThreatFeedSettings(firewallId: $id, enabled: $enabled, action: $action) { id }
}`;
const LOGS = `mutation($id: ID!) { updateLogSettings(firewallId: $id, localReporting: false, centralReporting: true) { id } }`;

interface StreamView {
  epoch: number;
  head: number;
  checksum: string;
  entries: StreamEntry[];
  deltas: { seq: number; op: string; key: string; entry: unknown }[];
}

/**
 * What GraphQL mutations and enrollment write to the agent streams: the change and its delta commit together
 * (the stream writer runs inside the mutation's transaction), a refused mutation appends nothing, and the gateways
 * are woken after commit.
 */
describe('agent streams written by mutations', () => {
  let api: TestApi;
  let tenantId: string;
  let groupId: string;
  let adminKey: string;
  const notices: { channel: string; message: string }[] = [];

  beforeAll(async () => {
    api = await createTestApi();
    tenantId = (await makeTenant(api.prisma)).id;
    groupId = (await makeGroup(api.prisma, tenantId)).id;
    adminKey = (await makeApiKey(api.prisma, ApiKeyRole.FLEET_ADMIN, { tenantId })).secret;
  });
  afterAll(() => api?.close());

  async function listen(channel: string): Promise<void> {
    await api.app
      .get(PubSub)
      .subscribe(channel, (message) => notices.push({ channel, message: message.toString() }));
  }

  async function stream(id: string): Promise<StreamView> {
    const row = await api.prisma.stream.findUnique({ where: { id } });
    const entries = await api.prisma.streamEntry.findMany({ where: { streamId: id } });
    const deltas = await api.prisma.streamDelta.findMany({
      where: { streamId: id },
      orderBy: { seq: 'asc' },
    });
    return {
      epoch: row?.epoch ?? 0,
      head: Number(row?.headSeq ?? 0),
      checksum: row?.checksum ?? '',
      entries: entries.map((e) => e.entry as StreamEntry),
      deltas: deltas.map((d) => ({ seq: Number(d.seq), op: d.op, key: d.key, entry: d.entry })),
    };
  }

  it('appends exclusion adds and removes to the group stream, and nothing for refused ones', async () => {
    const id = exclusionStreamId(groupId);
    await listen(streamChannel(id));
    const added = await api.graphql<{ addThreatExclusion: { id: string } }>(
      ADD,
      { groupId, type: 'DOMAIN', value: 'WWW.Example.COM.' },
      adminKey,
    );
    expect(added.errors).toBeUndefined();
    const entry = { key: 'DOMAIN:www.example.com', type: 'DOMAIN', value: 'www.example.com' };
    expect(await stream(id)).toEqual({
      epoch: 1,
      head: 1,
      checksum: stateChecksumOf(id, [entry as StreamEntry]),
      entries: [entry],
      deltas: [{ seq: 1, op: 'upsert', key: entry.key, entry }],
    });
    await vi.waitFor(() =>
      expect(notices).toContainEqual({ channel: streamChannel(id), message: '{"epoch":1,"head":1}' }),
    );

    // The same value again is refused (EXCLUSION_EXISTS): the log does not move.
    const again = await api.graphql(ADD, { groupId, type: 'DOMAIN', value: 'www.example.com' }, adminKey);
    expect(again.errors?.[0]?.extensions?.code).toBe('EXCLUSION_EXISTS');
    const otherGroup = await api.graphql(
      ADD,
      { groupId: crypto.randomUUID(), type: 'IP', value: '10.0.0.1' },
      adminKey,
    );
    expect(otherGroup.errors?.[0]?.extensions?.code).toBe('FIREWALL_GROUP_NOT_FOUND');
    expect((await stream(id)).head).toBe(1);

    const removed = await api.graphql(REMOVE, { id: added.data!.addThreatExclusion.id }, adminKey);
    expect(removed.errors).toBeUndefined();
    const after = await stream(id);
    expect(after).toMatchObject({ head: 2, entries: [], checksum: '0000000000000000' });
    expect(after.deltas[1]).toEqual({ seq: 2, op: 'remove', key: entry.key, entry: null });
    const twice = await api.graphql(REMOVE, { id: added.data!.addThreatExclusion.id }, adminKey);
    expect(twice.errors?.[0]?.extensions?.code).toBe('THREAT_EXCLUSION_NOT_FOUND');
    expect((await stream(id)).head).toBe(2);
  });

  it('appends settings changes to the firewall stream as one full entry, skipping changes that change nothing', async () => {
    const firewall = await makeFirewall(api.prisma, tenantId, groupId);
    const id = settingsStreamId(firewall.id);
    await listen(streamChannel(id));
    expect(
      (await api.graphql(MDR, { id: firewall.id, enabled: false, action: 'LOG_ONLY' }, adminKey)).errors,
    ).toBeUndefined();
    expect((await api.graphql(LOGS, { id: firewall.id }, adminKey)).errors).toBeUndefined();
    expect(
      (await api.graphql(MDR, { id: firewall.id, enabled: false, action: 'LOG_ONLY' }, adminKey)).errors,
    ).toBeUndefined();
    const settings = {
      mdr: { enabled: false, action: 'LOG_ONLY' },
      xops: { enabled: false, action: 'LOG_AND_DROP' },
      localReporting: false,
      centralReporting: true,
    };
    const view = await stream(id);
    expect(view).toMatchObject({ head: 2, entries: [{ key: 'settings', settings }] });
    expect(view.deltas.map((delta) => delta.op)).toEqual(['upsert', 'upsert']);
    expect(view.checksum).toBe(stateChecksumOf(id, view.entries));
    await vi.waitFor(() =>
      // A settings stream's notices share a bucket channel and name their stream.
      expect(notices).toContainEqual({
        channel: streamChannel(id),
        message: JSON.stringify({ stream: id, epoch: 1, head: 2 }),
      }),
    );

    // A deregistered firewall's settings cannot change, and its stream does not move.
    await api.prisma.firewall.update({
      where: { id: firewall.id },
      data: { status: FirewallStatus.DEREGISTERED },
    });
    const refused = await api.graphql(MDR, { id: firewall.id, enabled: true, action: 'LOG_ONLY' }, adminKey);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FIREWALL_DEREGISTERED');
    expect((await stream(id)).head).toBe(2);
  });

  it('gives an enrolled firewall its settings stream with the default settings', async () => {
    const token = await makeEnrollmentToken(api.prisma, tenantId, groupId);
    const response = await api.http
      .post('/api/v1/enrollments')
      .send({ token: token.secret, serial: 'SN-STREAMS-1' });
    expect(response.status).toBe(201);
    const { firewallId } = response.body as { firewallId: string };
    const view = await stream(settingsStreamId(firewallId));
    expect(view).toMatchObject({
      epoch: 1,
      head: 1,
      entries: [
        {
          key: 'settings',
          settings: {
            mdr: { enabled: true, action: 'LOG_AND_DROP' },
            xops: { enabled: false, action: 'LOG_AND_DROP' },
            localReporting: true,
            centralReporting: true,
          },
        },
      ],
    });
  });

  it('tells the gateways when a firewall moves or is deregistered', async () => {
    const firewall = await makeFirewall(api.prisma, tenantId, groupId);
    const target = await makeGroup(api.prisma, tenantId);
    await listen(tenantFirewallsChannel(tenantId));
    const moved = await api.graphql(
      'mutation($f: ID!, $g: ID!) { moveFirewall(firewallId: $f, groupId: $g) { groupId } }',
      { f: firewall.id, g: target.id },
      adminKey,
    );
    expect(moved.errors).toBeUndefined();
    await vi.waitFor(() =>
      expect(notices).toContainEqual({
        channel: tenantFirewallsChannel(tenantId),
        message: JSON.stringify({ firewallId: firewall.id, kind: 'moved' }),
      }),
    );
    const gone = await api.graphql(
      'mutation($f: ID!) { deregisterFirewall(firewallId: $f) { status } }',
      { f: firewall.id },
      adminKey,
    );
    expect(gone.errors).toBeUndefined();
    await vi.waitFor(() =>
      expect(notices).toContainEqual({
        channel: tenantFirewallsChannel(tenantId),
        message: JSON.stringify({ firewallId: firewall.id, kind: 'deregistered' }),
      }),
    );
  });
});
