import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditModule } from '@threatline/audit';
import { AuthModule } from '@threatline/auth';
import { ExclusionsModule } from '@threatline/exclusions';
import { createTestApi, TestApi } from '@threatline/http/testing';
import { makeGroup, makeTenantWithKeys, type TenantWithKeys } from '../support/factories';

const FIELDS = 'id groupId type value comment createdById createdByName createdAt';
const ADD = `mutation($groupId: ID!, $type: ExclusionType!, $value: String!, $comment: String) {
  addThreatExclusion(groupId: $groupId, type: $type, value: $value, comment: $comment) { ${FIELDS} }
}`;
const LIST = `query($groupId: ID!, $first: Int, $after: String) {
  threatExclusions(groupId: $groupId, first: $first, after: $after) {
    edges { node { ${FIELDS} } } pageInfo { hasNextPage endCursor }
  }
}`;
const REMOVE = `mutation($id: ID!) { removeThreatExclusion(id: $id) { ${FIELDS} } }`;

interface Exclusion {
  id: string;
  groupId: string;
  type: string;
  value: string;
  comment: string;
  createdById: string | null;
  createdByName: string | null;
}
interface Listed {
  threatExclusions: {
    edges: { node: Exclusion }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

describe('threat exclusions (GraphQL)', () => {
  let api: TestApi;
  let tenant: TenantWithKeys;
  let other: TenantWithKeys;

  beforeAll(async () => {
    api = await createTestApi({ imports: [AuthModule, AuditModule, ExclusionsModule] });
    tenant = await makeTenantWithKeys(api.prisma);
    other = await makeTenantWithKeys(api.prisma);
  });

  afterAll(async () => {
    await api?.close();
  });

  const add = (variables: Record<string, unknown>, key = tenant.adminKey) =>
    api.graphql<{ addThreatExclusion: Exclusion }>(ADD, { groupId: tenant.groupId, ...variables }, key);
  const counts = async () => ({
    exclusions: await api.prisma.threatExclusion.count(),
    audit: await api.prisma.auditLog.count(),
  });

  it('stores a domain normalized, with who added it and why, and audits it', async () => {
    const added = await add({ type: 'DOMAIN', value: 'WWW.Example.COM.', comment: '  Our own site  ' });
    expect(added.errors).toBeUndefined();
    expect(added.data!.addThreatExclusion).toMatchObject({
      groupId: tenant.groupId,
      type: 'DOMAIN',
      value: 'www.example.com',
      comment: 'Our own site',
      createdById: tenant.adminKeyId,
      createdByName: 'FLEET_ADMIN key',
    });
    const id = added.data!.addThreatExclusion.id;
    expect(await api.prisma.threatExclusion.findUniqueOrThrow({ where: { id } })).toMatchObject({
      tenantId: tenant.tenantId,
      value: 'www.example.com',
    });
    expect(await api.prisma.auditLog.findFirstOrThrow({ where: { entityId: id } })).toMatchObject({
      action: 'exclusion.add',
      actorType: 'API_KEY',
      actorId: tenant.adminKeyId,
      tenantId: tenant.tenantId,
    });
  });

  it.each([
    ['IP', ' 192.0.2.10 ', '192.0.2.10'],
    ['NETWORK', '10.1.0.0/16', '10.1.0.0/16'],
    ['URL', 'HTTP://Downloads.Example.ORG/Path/file.exe', 'downloads.example.org/Path/file.exe'],
    ['HOST', 'FW-Edge-01.Corp.Local', 'fw-edge-01.corp.local'],
  ])('normalizes a %s value', async (type, value, normalized) => {
    const added = await add({ type, value });
    expect(added.errors).toBeUndefined();
    expect(added.data!.addThreatExclusion).toMatchObject({ type, value: normalized, comment: '' });
  });

  it('refuses the same value twice once normalized, and keeps equal values of other types and groups apart', async () => {
    expect((await add({ type: 'DOMAIN', value: 'dup.example.net' })).errors).toBeUndefined();
    const before = await counts();
    const duplicate = await add({ type: 'DOMAIN', value: 'DUP.Example.NET.' });
    expect(duplicate.errors?.[0]?.extensions).toMatchObject({
      code: 'EXCLUSION_EXISTS',
      details: { type: 'DOMAIN', value: 'dup.example.net' },
    });
    expect(await counts()).toEqual(before);

    expect((await add({ type: 'HOST', value: 'dup.example.net' })).errors).toBeUndefined();
    const otherGroup = (await makeGroup(api.prisma, tenant.tenantId)).id;
    expect(
      (await add({ type: 'DOMAIN', value: 'dup.example.net', groupId: otherGroup })).errors,
    ).toBeUndefined();
  });

  it('lists the exclusions of a group oldest first, in cursor pages, for read-only keys too', async () => {
    const groupId = (await makeGroup(api.prisma, tenant.tenantId)).id;
    const values = ['203.0.113.1', '203.0.113.2', '203.0.113.3'];
    for (const value of values) expect((await add({ groupId, type: 'IP', value })).errors).toBeUndefined();

    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Awaited<ReturnType<typeof api.graphql<Listed>>> = await api.graphql<Listed>(
        LIST,
        { groupId, first: 2, after },
        tenant.readerKey,
      );
      expect(page.errors).toBeUndefined();
      seen.push(...page.data!.threatExclusions.edges.map((edge) => edge.node.value));
      if (!page.data!.threatExclusions.pageInfo.hasNextPage) break;
      after = page.data!.threatExclusions.pageInfo.endCursor;
    }
    expect(seen).toEqual(values);
  });

  it('removes an exclusion, returns it and audits the removal', async () => {
    const added = (await add({ type: 'IP', value: '198.51.100.7' })).data!.addThreatExclusion;
    const removed = await api.graphql<{ removeThreatExclusion: Exclusion }>(
      REMOVE,
      { id: added.id },
      tenant.adminKey,
    );
    expect(removed.errors).toBeUndefined();
    expect(removed.data!.removeThreatExclusion).toMatchObject({ id: added.id, value: '198.51.100.7' });
    expect(await api.prisma.threatExclusion.findUnique({ where: { id: added.id } })).toBeNull();
    expect(
      await api.prisma.auditLog.findFirst({ where: { entityId: added.id, action: 'exclusion.remove' } }),
    ).toMatchObject({
      actorId: tenant.adminKeyId,
    });

    const again = await api.graphql(REMOVE, { id: added.id }, tenant.adminKey);
    expect(again.errors?.[0]?.extensions?.code).toBe('THREAT_EXCLUSION_NOT_FOUND');
  });

  it('lets read-only keys list but neither add nor remove', async () => {
    const added = (await add({ type: 'IP', value: '198.51.100.8' })).data!.addThreatExclusion;
    const before = await counts();
    expect(
      (await add({ type: 'IP', value: '198.51.100.9' }, tenant.readerKey)).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    const removed = await api.graphql(REMOVE, { id: added.id }, tenant.readerKey);
    expect(removed.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await counts()).toEqual(before);
  });

  describe('bad input changes nothing', () => {
    it.each([
      ['an IP that is not one', 'IP', '999.1.1.1'],
      ['a network with host bits set', 'NETWORK', '10.1.2.3/8'],
      ['a network that is an address', 'NETWORK', 'not-a-network'],
      ['a domain with a space', 'DOMAIN', 'exa mple.com'],
      ['an empty domain', 'DOMAIN', '   '],
      ['a URL with a forbidden scheme', 'URL', 'javascript:alert(1)'],
      ['a host with a slash', 'HOST', 'a/b'],
      ['a domain with a control character', 'DOMAIN', 'evil\u0000.com'],
      ['an overlong domain', 'DOMAIN', `${'a'.repeat(60)}.`.repeat(10) + 'com'],
    ])('refuses %s with EXCLUSION_VALUE_INVALID and the ioc reason', async (_label, type, value) => {
      const before = await counts();
      const added = await add({ type, value });
      const extensions = added.errors?.[0]?.extensions as { code: string; details: Record<string, unknown> };
      expect(extensions.code).toBe('EXCLUSION_VALUE_INVALID');
      expect(extensions.details).toMatchObject({
        field: 'value',
        reason: expect.any(String),
        message: expect.any(String),
      });
      expect(await counts()).toEqual(before);
    });

    it.each([
      ['a comment over 1000 characters', { comment: 'c'.repeat(1001) }, 'comment'],
      ['a comment with a control character', { comment: 'bad\u0007bell' }, 'comment'],
    ])('refuses %s naming the field', async (_label, variables, field) => {
      const before = await counts();
      const added = await add({ type: 'IP', value: '192.0.2.200', ...variables });
      expect(added.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', details: { field } });
      expect(await counts()).toEqual(before);
    });

    it('refuses an unknown type at the schema', async () => {
      const added = await add({ type: 'EMAIL', value: 'a@b.c' });
      expect(added.errors).toBeDefined();
      expect(added.data ?? null).toBeNull();
    });

    it("answers another tenant's group and exclusion exactly like unknown and malformed ids", async () => {
      const foreign = await api.prisma.threatExclusion.create({
        data: { tenantId: other.tenantId, groupId: other.groupId, type: 'IP', value: '192.0.2.99' },
      });
      const before = await counts();
      for (const groupId of [other.groupId, randomUUID(), 'not-a-uuid']) {
        expect((await add({ groupId, type: 'IP', value: '192.0.2.1' })).errors?.[0]?.extensions?.code).toBe(
          'FIREWALL_GROUP_NOT_FOUND',
        );
        expect((await api.graphql(LIST, { groupId }, tenant.readerKey)).errors?.[0]?.extensions?.code).toBe(
          'FIREWALL_GROUP_NOT_FOUND',
        );
      }
      for (const id of [foreign.id, randomUUID(), 'not-a-uuid']) {
        expect((await api.graphql(REMOVE, { id }, tenant.adminKey)).errors?.[0]?.extensions?.code).toBe(
          'THREAT_EXCLUSION_NOT_FOUND',
        );
      }
      expect(await counts()).toEqual(before);
    });

    it('refuses a cursor it did not issue', async () => {
      const answer = await api.graphql(
        LIST,
        { groupId: tenant.groupId, after: 'nonsense' },
        tenant.readerKey,
      );
      expect(answer.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    });
  });
});
