import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRole } from '@threatline/db';
import { createTestApi, TestApi } from '@threatline/http/testing';
import { makeApiKey, makeFirewall, makeGroup, makeTenant } from '../support/factories';

const FIREWALL_FIELDS =
  'id groupId serial hostname status connected settings { mdr { enabled action } xops { enabled action } localReporting centralReporting }';

describe('fleet GraphQL', () => {
  let api: TestApi;
  let tenantId: string;
  let admin: string;
  let reader: string;
  let groupId: string;

  beforeAll(async () => {
    api = await createTestApi();
    tenantId = (await makeTenant(api.prisma)).id;
    admin = (await makeApiKey(api.prisma, ApiKeyRole.FLEET_ADMIN, { tenantId })).secret;
    reader = (await makeApiKey(api.prisma, ApiKeyRole.READ_ONLY, { tenantId })).secret;
    groupId = (await makeGroup(api.prisma, tenantId, 'Branch offices')).id;
  });

  afterAll(async () => {
    await api?.close();
  });

  async function auditCount(): Promise<number> {
    return api.prisma.auditLog.count({ where: { tenantId } });
  }

  it('creates nested groups, audited with the request id, and refuses a duplicate name', async () => {
    const created = await api.graphql<{ createFirewallGroup: { id: string; parentId: string } }>(
      'mutation($name: String!, $parentId: ID) { createFirewallGroup(name: $name, parentId: $parentId) { id name parentId } }',
      { name: '  Berlin  ', parentId: groupId },
      admin,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data!.createFirewallGroup.parentId).toBe(groupId);
    const audit = await api.prisma.auditLog.findFirst({
      where: { entityId: created.data!.createFirewallGroup.id },
    });
    expect(audit).toMatchObject({ action: 'firewallGroup.create', actorType: 'API_KEY' });
    expect(audit!.requestId).toBeTruthy();

    const duplicate = await api.graphql('mutation { createFirewallGroup(name: "Berlin") { id } }', {}, admin);
    expect(duplicate.errors?.[0]?.extensions?.code).toBe('GROUP_NAME_TAKEN');
    const groups = await api.graphql<{ firewallGroups: { name: string }[] }>(
      '{ firewallGroups { name } }',
      {},
      reader,
    );
    expect(groups.data!.firewallGroups.map((g) => g.name)).toEqual(['Berlin', 'Branch offices']);
  });

  it('lists firewalls with filters and cursor pages', async () => {
    const other = await makeGroup(api.prisma, tenantId);
    for (let i = 0; i < 5; i++)
      await makeFirewall(api.prisma, tenantId, groupId, { serial: `PAGE-${i}`, hostname: `edge-${i}` });
    await makeFirewall(api.prisma, tenantId, other.id, { serial: 'OTHER-1', connected: true });
    await makeFirewall(api.prisma, tenantId, other.id, { serial: 'PENDING-1', status: 'APPROVAL_PENDING' });

    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Awaited<
        ReturnType<
          typeof api.graphql<{
            firewalls: {
              edges: { node: { serial: string } }[];
              pageInfo: { hasNextPage: boolean; endCursor: string };
            };
          }>
        >
      > = await api.graphql(
        'query($g: ID, $after: String) { firewalls(groupId: $g, first: 2, after: $after) { edges { node { serial } } pageInfo { hasNextPage endCursor } } }',
        { g: groupId, after },
        reader,
      );
      expect(page.errors).toBeUndefined();
      seen.push(...page.data!.firewalls.edges.map((e) => e.node.serial));
      if (!page.data!.firewalls.pageInfo.hasNextPage) break;
      after = page.data!.firewalls.pageInfo.endCursor;
    }
    expect(seen).toEqual(['PAGE-0', 'PAGE-1', 'PAGE-2', 'PAGE-3', 'PAGE-4']);

    const filtered = async (args: string) =>
      (
        await api.graphql<{ firewalls: { edges: { node: { serial: string } }[] } }>(
          `{ firewalls(${args}) { edges { node { serial } } } }`,
          {},
          reader,
        )
      ).data!.firewalls.edges.map((e) => e.node.serial);
    expect(await filtered('connected: true')).toEqual(['OTHER-1']);
    expect(await filtered('status: APPROVAL_PENDING')).toEqual(['PENDING-1']);
    expect(await filtered('search: "EDGE-3"')).toEqual(['PAGE-3']);

    const tooBig = await api.graphql('{ firewalls(first: 1000) { edges { cursor } } }', {}, reader);
    expect(tooBig.errors?.[0]?.extensions?.code).toBe('INVALID_PAGE_SIZE');
    const badCursor = await api.graphql('{ firewalls(after: "nonsense") { edges { cursor } } }', {}, reader);
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
  });

  it('starts a firewall with MDR log-and-drop on and X-Ops off, and changes each module', async () => {
    const firewall = await makeFirewall(api.prisma, tenantId, groupId);
    const read = await api.graphql<{ firewall: { settings: unknown } }>(
      `query($id: ID!) { firewall(id: $id) { ${FIREWALL_FIELDS} } }`,
      { id: firewall.id },
      reader,
    );
    expect(read.data!.firewall.settings).toEqual({
      mdr: { enabled: true, action: 'LOG_AND_DROP' },
      xops: { enabled: false, action: 'LOG_AND_DROP' },
      localReporting: true,
      centralReporting: true,
    });

    const xops = await api.graphql<{
      updateXopsThreatFeedSettings: { settings: { xops: unknown; mdr: unknown } };
    }>(
      `mutation($id: ID!) { updateXopsThreatFeedSettings(firewallId: $id, enabled: true, action: LOG_ONLY) { ${FIREWALL_FIELDS} } }`,
      { id: firewall.id },
      admin,
    );
    expect(xops.data!.updateXopsThreatFeedSettings.settings.xops).toEqual({
      enabled: true,
      action: 'LOG_ONLY',
    });
    expect(xops.data!.updateXopsThreatFeedSettings.settings.mdr).toEqual({
      enabled: true,
      action: 'LOG_AND_DROP',
    });

    const mdr = await api.graphql<{ updateMdrThreatFeedSettings: { settings: { mdr: unknown } } }>(
      `mutation($id: ID!) { updateMdrThreatFeedSettings(firewallId: $id, enabled: false, action: LOG_ONLY) { ${FIREWALL_FIELDS} } }`,
      { id: firewall.id },
      admin,
    );
    expect(mdr.data!.updateMdrThreatFeedSettings.settings.mdr).toEqual({
      enabled: false,
      action: 'LOG_ONLY',
    });

    const log = await api.graphql<{ updateLogSettings: { settings: { centralReporting: boolean } } }>(
      `mutation($id: ID!) { updateLogSettings(firewallId: $id, localReporting: true, centralReporting: false) { ${FIREWALL_FIELDS} } }`,
      { id: firewall.id },
      admin,
    );
    expect(log.data!.updateLogSettings.settings.centralReporting).toBe(false);
  });

  it('moves, approves and deregisters a firewall; a deregistered credential stops working', async () => {
    const target = await makeGroup(api.prisma, tenantId);
    const firewall = await makeFirewall(api.prisma, tenantId, groupId, { status: 'APPROVAL_PENDING' });
    const self = () =>
      api.http.get('/api/v1/agent/self').set('Authorization', `Bearer ${firewall.credential}`);
    expect((await self()).status).toBe(200);

    const moved = await api.graphql<{ moveFirewall: { groupId: string } }>(
      'mutation($f: ID!, $g: ID!) { moveFirewall(firewallId: $f, groupId: $g) { groupId } }',
      { f: firewall.id, g: target.id },
      admin,
    );
    expect(moved.data!.moveFirewall.groupId).toBe(target.id);
    // Audited as the admin's change: the group before and after, not the presence the gateways keep.
    const audit = await api.prisma.auditLog.findFirst({
      where: { tenantId, action: 'firewall.move', entityId: firewall.id },
    });
    expect(audit).toMatchObject({ before: { groupId }, after: { groupId: target.id } });
    expect(Object.keys(audit!.after as object)).not.toContain('connected');
    expect(Object.keys(audit!.after as object)).not.toContain('lastSeenAt');

    const approved = await api.graphql<{ approveFirewall: { status: string } }>(
      'mutation($f: ID!) { approveFirewall(firewallId: $f) { status } }',
      { f: firewall.id },
      admin,
    );
    expect(approved.data!.approveFirewall.status).toBe('MANAGED');
    const again = await api.graphql(
      'mutation($f: ID!) { approveFirewall(firewallId: $f) { status } }',
      { f: firewall.id },
      admin,
    );
    expect(again.errors?.[0]?.extensions?.code).toBe('FIREWALL_NOT_PENDING');

    const gone = await api.graphql<{ deregisterFirewall: { status: string; connected: boolean } }>(
      'mutation($f: ID!) { deregisterFirewall(firewallId: $f) { status connected } }',
      { f: firewall.id },
      admin,
    );
    expect(gone.data!.deregisterFirewall).toEqual({ status: 'DEREGISTERED', connected: false });
    expect((await self()).status).toBe(401);
    const moveAfter = await api.graphql(
      'mutation($f: ID!, $g: ID!) { moveFirewall(firewallId: $f, groupId: $g) { groupId } }',
      { f: firewall.id, g: groupId },
      admin,
    );
    expect(moveAfter.errors?.[0]?.extensions?.code).toBe('FIREWALL_DEREGISTERED');
  });

  it('refuses bad input on every fleet mutation with a clear error and changes nothing', async () => {
    const firewall = await makeFirewall(api.prisma, tenantId, groupId);
    const cases: [string, Record<string, unknown>, string][] = [
      ['mutation($n: String!) { createFirewallGroup(name: $n) { id } }', { n: '' }, 'VALIDATION_FAILED'],
      [
        'mutation($n: String!) { createFirewallGroup(name: $n) { id } }',
        { n: 'x'.repeat(101) },
        'VALIDATION_FAILED',
      ],
      [
        'mutation($n: String!) { createFirewallGroup(name: $n) { id } }',
        { n: 'bad\u0000name' },
        'VALIDATION_FAILED',
      ],
      [
        'mutation($n: String!) { createFirewallGroup(name: $n, parentId: "nope") { id } }',
        { n: 'ok' },
        'FIREWALL_GROUP_NOT_FOUND',
      ],
      [
        'mutation($f: ID!) { moveFirewall(firewallId: $f, groupId: "not-a-uuid") { id } }',
        { f: firewall.id },
        'FIREWALL_GROUP_NOT_FOUND',
      ],
      ['mutation { moveFirewall(firewallId: "x", groupId: "y") { id } }', {}, 'FIREWALL_NOT_FOUND'],
      ['mutation { approveFirewall(firewallId: "") { id } }', {}, 'FIREWALL_NOT_FOUND'],
      ['mutation { deregisterFirewall(firewallId: "123") { id } }', {}, 'FIREWALL_NOT_FOUND'],
      [
        'mutation($f: ID!) { updateMdrThreatFeedSettings(firewallId: $f, enabled: true, action: BLOCK) { id } }',
        { f: firewall.id },
        'GRAPHQL_VALIDATION_FAILED',
      ],
      [
        'mutation($f: ID!) { updateXopsThreatFeedSettings(firewallId: $f, enabled: "yes", action: LOG_ONLY) { id } }',
        { f: firewall.id },
        'GRAPHQL_VALIDATION_FAILED',
      ],
      [
        'mutation($f: ID!) { updateLogSettings(firewallId: $f, localReporting: true) { id } }',
        { f: firewall.id },
        'GRAPHQL_VALIDATION_FAILED',
      ],
    ];
    const before = await auditCount();
    const groups = await api.prisma.firewallGroup.count({ where: { tenantId } });
    const settings = await api.prisma.firewallSettings.findUnique({ where: { firewallId: firewall.id } });
    for (const [document, variables, code] of cases) {
      const answer = await api.graphql(document, variables, admin);
      expect(answer.errors?.[0]?.extensions?.code, document).toBe(code);
      expect(answer.errors?.[0]?.message, document).toBeTruthy();
      expect(JSON.stringify(answer), document).not.toMatch(/stack|\.ts:\d+/);
    }
    expect(await auditCount()).toBe(before);
    expect(await api.prisma.firewallGroup.count({ where: { tenantId } })).toBe(groups);
    expect(await api.prisma.firewallSettings.findUnique({ where: { firewallId: firewall.id } })).toEqual(
      settings,
    );
  });

  it('lets a read-only key read but not change, and refuses a missing or revoked key', async () => {
    const denied = await api.graphql('mutation { createFirewallGroup(name: "ro") { id } }', {}, reader);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await api.graphql('{ firewallGroups { id } }', {});
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const revoked = await makeApiKey(api.prisma, ApiKeyRole.FLEET_ADMIN, { tenantId });
    await api.prisma.apiKey.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
    const refused = await api.graphql('{ firewallGroups { id } }', {}, revoked.secret);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
