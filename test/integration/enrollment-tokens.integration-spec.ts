import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditModule } from '@threatline/audit';
import { AuthModule, hashSecret } from '@threatline/auth';
import { PrismaClient } from '@threatline/db';
import { EnrollmentModule } from '@threatline/enrollment';
import { createTestApi, TestApi } from '@threatline/http/testing';
import {
  makeEnrollmentToken,
  makeGroup,
  makeTenantWithKeys,
  type TenantWithKeys,
} from '../support/factories';

const TOKEN_FIELDS = 'id groupId prefix expiresAt maxUses uses requireApproval state createdAt revokedAt';
const CREATE = `mutation($groupId: ID!, $expiresInSeconds: Int!, $maxUses: Int!, $requireApproval: Boolean) {
  createEnrollmentToken(groupId: $groupId, expiresInSeconds: $expiresInSeconds, maxUses: $maxUses, requireApproval: $requireApproval) {
    secret enrollmentToken { ${TOKEN_FIELDS} }
  }
}`;
const LIST = `query($groupId: ID, $first: Int, $after: String) {
  enrollmentTokens(groupId: $groupId, first: $first, after: $after) {
    edges { cursor node { ${TOKEN_FIELDS} } } pageInfo { hasNextPage endCursor }
  }
}`;
const REVOKE = `mutation($id: ID!) { revokeEnrollmentToken(id: $id) { ${TOKEN_FIELDS} } }`;

interface TokenNode {
  id: string;
  groupId: string;
  prefix: string;
  expiresAt: string;
  maxUses: number;
  uses: number;
  requireApproval: boolean;
  state: string;
  revokedAt: string | null;
}
interface Created {
  createEnrollmentToken: { secret: string; enrollmentToken: TokenNode };
}
interface Listed {
  enrollmentTokens: {
    edges: { cursor: string; node: TokenNode }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

/** An enrollment token (active by default), put into any state a test needs. */
async function makeToken(
  prisma: PrismaClient,
  tenantId: string,
  groupId: string,
  state: { maxUses?: number; uses?: number; expiresAt?: Date; revokedAt?: Date } = {},
): Promise<{ id: string; secret: string }> {
  const { uses, revokedAt, ...created } = state;
  const token = await makeEnrollmentToken(prisma, tenantId, groupId, created);
  if (uses !== undefined || revokedAt !== undefined) {
    await prisma.enrollmentToken.update({ where: { id: token.id }, data: { uses, revokedAt } });
  }
  return token;
}

describe('enrollment tokens (GraphQL)', () => {
  let api: TestApi;
  let tenant: TenantWithKeys;
  let other: TenantWithKeys;

  beforeAll(async () => {
    api = await createTestApi({ imports: [AuthModule, AuditModule, EnrollmentModule] });
    tenant = await makeTenantWithKeys(api.prisma);
    other = await makeTenantWithKeys(api.prisma);
  });

  afterAll(async () => {
    await api?.close();
  });

  const create = (variables: Record<string, unknown>, key = tenant.adminKey) =>
    api.graphql<Created>(
      CREATE,
      { groupId: tenant.groupId, expiresInSeconds: 3600, maxUses: 5, ...variables },
      key,
    );

  it('creates a token whose secret is shown once and stored only hashed, and audits it', async () => {
    const before = Date.now();
    const created = await create({ maxUses: 3, requireApproval: true });
    expect(created.errors).toBeUndefined();
    const { secret, enrollmentToken } = created.data!.createEnrollmentToken;
    expect(secret).toMatch(/^tle_[A-Za-z0-9_-]{43}$/);
    expect(enrollmentToken).toMatchObject({
      groupId: tenant.groupId,
      maxUses: 3,
      uses: 0,
      requireApproval: true,
      state: 'ACTIVE',
      revokedAt: null,
    });
    expect(secret.startsWith(enrollmentToken.prefix)).toBe(true);
    const expiresAt = Date.parse(enrollmentToken.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000);

    const row = await api.prisma.enrollmentToken.findUniqueOrThrow({ where: { id: enrollmentToken.id } });
    expect(row.tokenHash).toBe(hashSecret(secret));
    const audit = await api.prisma.auditLog.findFirstOrThrow({ where: { entityId: enrollmentToken.id } });
    expect(audit).toMatchObject({
      action: 'enrollmentToken.create',
      actorType: 'API_KEY',
      tenantId: tenant.tenantId,
    });
    const recorded = JSON.stringify([audit.before, audit.after]);
    expect(recorded).not.toContain(secret);
    expect(recorded).not.toContain(row.tokenHash);
  });

  it('defaults requireApproval to false', async () => {
    const created = await create({});
    expect(created.data!.createEnrollmentToken.enrollmentToken.requireApproval).toBe(false);
  });

  it('lists tokens newest first, metadata only, filtered by group and in cursor pages', async () => {
    const groupId = (await makeGroup(api.prisma, tenant.tenantId)).id;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await create({ groupId })).data!.createEnrollmentToken.enrollmentToken.id);
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Awaited<ReturnType<typeof api.graphql<Listed>>> = await api.graphql<Listed>(
        LIST,
        { groupId, first: 2, after },
        tenant.readerKey,
      );
      expect(page.errors).toBeUndefined();
      seen.push(...page.data!.enrollmentTokens.edges.map((edge) => edge.node.id));
      if (!page.data!.enrollmentTokens.pageInfo.hasNextPage) break;
      after = page.data!.enrollmentTokens.pageInfo.endCursor;
    }
    expect(seen).toEqual([...ids].reverse());

    const all = await api.graphql<Listed>(LIST, {}, tenant.readerKey);
    expect(all.data!.enrollmentTokens.edges.length).toBeGreaterThan(3);
    const introspection = await api.graphql<{ __type: { fields: { name: string }[] } }>(
      '{ __type(name: "EnrollmentToken") { fields { name } } }',
      {},
      tenant.readerKey,
    );
    expect(introspection.data!.__type.fields.map((f) => f.name)).not.toContain('secret');
  });

  it('shows why a token no longer enrolls', async () => {
    const expired = await makeToken(api.prisma, tenant.tenantId, tenant.groupId, {
      expiresAt: new Date(Date.now() - 1),
    });
    const exhausted = await makeToken(api.prisma, tenant.tenantId, tenant.groupId, { maxUses: 1, uses: 1 });
    const revoked = await makeToken(api.prisma, tenant.tenantId, tenant.groupId, { revokedAt: new Date() });
    const listed = await api.graphql<Listed>(LIST, { first: 100 }, tenant.readerKey);
    const stateOf = (id: string) =>
      listed.data!.enrollmentTokens.edges.find((e) => e.node.id === id)?.node.state;
    expect([stateOf(expired.id), stateOf(exhausted.id), stateOf(revoked.id)]).toEqual([
      'EXPIRED',
      'EXHAUSTED',
      'REVOKED',
    ]);
  });

  it('revokes a token once, audited, and refuses enrollment with it afterwards', async () => {
    const token = await makeToken(api.prisma, tenant.tenantId, tenant.groupId);
    const revoked = await api.graphql<{ revokeEnrollmentToken: TokenNode }>(
      REVOKE,
      { id: token.id },
      tenant.adminKey,
    );
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data!.revokeEnrollmentToken).toMatchObject({ id: token.id, state: 'REVOKED' });
    expect(revoked.data!.revokeEnrollmentToken.revokedAt).not.toBeNull();

    const again = await api.graphql<{ revokeEnrollmentToken: TokenNode }>(
      REVOKE,
      { id: token.id },
      tenant.adminKey,
    );
    expect(again.data!.revokeEnrollmentToken.revokedAt).toBe(revoked.data!.revokeEnrollmentToken.revokedAt);
    expect(
      await api.prisma.auditLog.count({ where: { entityId: token.id, action: 'enrollmentToken.revoke' } }),
    ).toBe(1);

    const enroll = await api.http
      .post('/api/v1/enrollments')
      .send({ token: token.secret, serial: 'REVOKED-1' });
    expect(enroll.status).toBe(403);
    expect(enroll.body).toMatchObject({ error: { code: 'ENROLLMENT_TOKEN_REVOKED' } });
  });

  it('lets read-only keys list but not create or revoke tokens', async () => {
    const token = await makeToken(api.prisma, tenant.tenantId, tenant.groupId);
    const created = await create({}, tenant.readerKey);
    expect(created.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const revoked = await api.graphql(REVOKE, { id: token.id }, tenant.readerKey);
    expect(revoked.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(
      (await api.prisma.enrollmentToken.findUniqueOrThrow({ where: { id: token.id } })).revokedAt,
    ).toBeNull();
  });

  describe('bad input changes nothing', () => {
    const counts = async () => ({
      tokens: await api.prisma.enrollmentToken.count(),
      audit: await api.prisma.auditLog.count(),
      revoked: await api.prisma.enrollmentToken.count({ where: { revokedAt: { not: null } } }),
    });

    it.each<[string, Record<string, unknown>, string, string | undefined]>([
      ['expiresInSeconds below a minute', { expiresInSeconds: 59 }, 'VALIDATION_FAILED', 'expiresInSeconds'],
      [
        'expiresInSeconds above a year',
        { expiresInSeconds: 31_536_001 },
        'VALIDATION_FAILED',
        'expiresInSeconds',
      ],
      ['maxUses of 0', { maxUses: 0 }, 'VALIDATION_FAILED', 'maxUses'],
      ['maxUses above 100000', { maxUses: 100_001 }, 'VALIDATION_FAILED', 'maxUses'],
      ['a malformed groupId', { groupId: 'not-a-uuid' }, 'FIREWALL_GROUP_NOT_FOUND', undefined],
      ['an unknown groupId', { groupId: randomUUID() }, 'FIREWALL_GROUP_NOT_FOUND', undefined],
    ])('refuses %s', async (_label, variables, code, field) => {
      const before = await counts();
      const created = await create(variables);
      expect(created.errors?.[0]?.extensions?.code).toBe(code);
      if (field) expect(created.errors?.[0]?.extensions?.details).toEqual({ field });
      expect(await counts()).toEqual(before);
    });

    it('accepts the limits themselves', async () => {
      expect((await create({ expiresInSeconds: 60, maxUses: 1 })).errors).toBeUndefined();
      expect((await create({ expiresInSeconds: 31_536_000, maxUses: 100_000 })).errors).toBeUndefined();
    });

    it("answers another tenant's group and token exactly like unknown ones", async () => {
      const before = await counts();
      const foreignToken = await makeToken(api.prisma, other.tenantId, other.groupId);
      const foreignGroup = await create({ groupId: other.groupId });
      const unknownGroup = await create({ groupId: randomUUID() });
      expect(foreignGroup.errors?.[0]?.extensions?.code).toBe('FIREWALL_GROUP_NOT_FOUND');
      expect(foreignGroup.errors?.[0]?.extensions?.code).toBe(unknownGroup.errors?.[0]?.extensions?.code);

      const listForeign = await api.graphql(LIST, { groupId: other.groupId }, tenant.readerKey);
      expect(listForeign.errors?.[0]?.extensions?.code).toBe('FIREWALL_GROUP_NOT_FOUND');

      for (const id of [foreignToken.id, randomUUID(), 'not-a-uuid']) {
        const revoked = await api.graphql(REVOKE, { id }, tenant.adminKey);
        expect(revoked.errors?.[0]?.extensions?.code).toBe('ENROLLMENT_TOKEN_NOT_FOUND');
      }
      expect(
        await api.prisma.enrollmentToken.findUniqueOrThrow({ where: { id: foreignToken.id } }),
      ).toMatchObject({
        revokedAt: null,
      });
      expect((await counts()).tokens).toBe(before.tokens + 1);
    });

    it('refuses a cursor it did not issue and a page larger than the maximum', async () => {
      const badCursor = await api.graphql(LIST, { after: 'nonsense' }, tenant.readerKey);
      expect(badCursor.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
      const forged = Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url');
      const forgedCursor = await api.graphql(LIST, { after: forged }, tenant.readerKey);
      expect(forgedCursor.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
      const tooBig = await api.graphql(LIST, { first: 101 }, tenant.readerKey);
      expect(tooBig.errors).toHaveLength(1);
      expect(tooBig.data ?? null).toBeNull();
    });
  });
});
