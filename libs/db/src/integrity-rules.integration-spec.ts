import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseErrorCode, isUniqueViolation } from './database-error';
import type { ApiKeyRole, FirewallStatus, PrismaClient } from './generated/prisma/client';
import { createTestDatabase, expectSqlState, SQL_STATE, type TestDatabase } from './testing';

const {
  checkViolation: CHECK_VIOLATION,
  uniqueViolation: UNIQUE_VIOLATION,
  insufficientPrivilege: INSUFFICIENT_PRIVILEGE,
} = SQL_STATE;

let db: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
});
afterAll(() => db.dispose());

const makeTenant = () => prisma.tenant.create({ data: { name: `tenant-${randomUUID()}` } });
const makeProvider = () => prisma.mdrProvider.create({ data: { name: `provider-${randomUUID()}` } });
const makeGroup = (tenantId: string, parentId?: string) =>
  prisma.firewallGroup.create({ data: { tenantId, parentId, name: `group-${randomUUID()}` } });
const makeFirewall = (tenantId: string, groupId: string, serial: string, status: FirewallStatus) =>
  prisma.firewall.create({ data: { tenantId, groupId, serial, status } });

describe('firewall serials', () => {
  it('refuses a second firewall with the serial of one that is not deregistered', async () => {
    const tenant = await makeTenant();
    const group = await makeGroup(tenant.id);
    const other = await makeGroup((await makeTenant()).id);
    const serial = `serial-${randomUUID()}`;
    await makeFirewall(tenant.id, group.id, serial, 'APPROVAL_PENDING');
    const duplicate = makeFirewall(tenant.id, group.id, serial, 'MANAGED');
    await expect(duplicate.catch((error: unknown) => isUniqueViolation(error))).resolves.toBe(true);
    await expectSqlState(makeFirewall(tenant.id, group.id, serial, 'MANAGED'), UNIQUE_VIOLATION);
    // Across tenants too: a serial is one physical box.
    await expectSqlState(makeFirewall(other.tenantId, other.id, serial, 'MANAGED'), UNIQUE_VIOLATION);
  });

  it('lets a deregistered firewall keep its serial while the box enrolls again', async () => {
    const tenant = await makeTenant();
    const group = await makeGroup(tenant.id);
    const serial = `serial-${randomUUID()}`;
    const first = await makeFirewall(tenant.id, group.id, serial, 'MANAGED');
    await prisma.firewall.update({ where: { id: first.id }, data: { status: 'DEREGISTERED' } });
    const second = await makeFirewall(tenant.id, group.id, serial, 'MANAGED');
    await prisma.firewall.update({ where: { id: second.id }, data: { status: 'DEREGISTERED' } });
    await expect(makeFirewall(tenant.id, group.id, serial, 'APPROVAL_PENDING')).resolves.toBeDefined();
  });
});

describe('role scopes of API keys and users', () => {
  type Scope = 'none' | 'tenant' | 'provider' | 'both';
  const allowed: Record<ApiKeyRole, Scope> = {
    OPERATOR: 'none',
    FLEET_ADMIN: 'tenant',
    READ_ONLY: 'tenant',
    MDR_ANALYST: 'provider',
  };
  const scopes: Scope[] = ['none', 'tenant', 'provider', 'both'];
  const cases = (Object.keys(allowed) as ApiKeyRole[]).flatMap((role) =>
    scopes.map((scope) => ({ role, scope, valid: allowed[role] === scope })),
  );

  async function scopeIds(scope: Scope): Promise<{ tenantId?: string; providerId?: string }> {
    const tenantId = scope === 'tenant' || scope === 'both' ? (await makeTenant()).id : undefined;
    const providerId = scope === 'provider' || scope === 'both' ? (await makeProvider()).id : undefined;
    return { tenantId, providerId };
  }

  it.each(cases)(
    'an API key with role $role and scope $scope is valid: $valid',
    async ({ role, scope, valid }) => {
      const create = prisma.apiKey.create({
        data: { name: 'k', keyHash: randomUUID(), prefix: 'tl_', role, ...(await scopeIds(scope)) },
      });
      if (valid) await expect(create).resolves.toBeDefined();
      else await expectSqlState(create, CHECK_VIOLATION);
    },
  );

  it.each(cases)(
    'a user with role $role and scope $scope is valid: $valid',
    async ({ role, scope, valid }) => {
      const create = prisma.user.create({
        data: { email: `${randomUUID()}@example.test`, name: 'u', role, ...(await scopeIds(scope)) },
      });
      if (valid) await expect(create).resolves.toBeDefined();
      else await expectSqlState(create, CHECK_VIOLATION);
    },
  );

  it('refuses moving a tenant-scoped key to platform scope', async () => {
    const key = await prisma.apiKey.create({
      data: {
        name: 'k',
        keyHash: randomUUID(),
        prefix: 'tl_',
        role: 'FLEET_ADMIN',
        tenantId: (await makeTenant()).id,
      },
    });
    await expectSqlState(
      prisma.apiKey.update({ where: { id: key.id }, data: { tenantId: null } }),
      CHECK_VIOLATION,
    );
  });
});

describe('enrollment token uses', () => {
  const token = async (maxUses: number, uses: number) => {
    const tenant = await makeTenant();
    const group = await makeGroup(tenant.id);
    return prisma.enrollmentToken.create({
      data: {
        tenantId: tenant.id,
        groupId: group.id,
        tokenHash: randomUUID(),
        prefix: 'te_',
        expiresAt: new Date(Date.now() + 86_400_000),
        maxUses,
        uses,
      },
    });
  };

  it('accepts 0 <= uses <= max_uses with max_uses >= 1', async () => {
    await expect(token(1, 0)).resolves.toBeDefined();
    await expect(token(3, 3)).resolves.toBeDefined();
  });

  it.each([
    { maxUses: 0, uses: 0 },
    { maxUses: 2, uses: 3 },
    { maxUses: 2, uses: -1 },
  ])('refuses max_uses $maxUses with uses $uses', async ({ maxUses, uses }) => {
    await expectSqlState(token(maxUses, uses), CHECK_VIOLATION);
  });

  it('refuses an increment past max_uses', async () => {
    const created = await token(1, 1);
    await expectSqlState(
      prisma.enrollmentToken.update({ where: { id: created.id }, data: { uses: { increment: 1 } } }),
      CHECK_VIOLATION,
    );
  });
});

describe('tenant event retention', () => {
  const tenantKeeping = (eventRetentionDays: number) =>
    prisma.tenant.create({ data: { name: `tenant-${randomUUID()}`, eventRetentionDays } });

  it('accepts 1 to 3650 days', async () => {
    await expect(tenantKeeping(1)).resolves.toBeDefined();
    await expect(tenantKeeping(3650)).resolves.toBeDefined();
  });

  it.each([0, -1, 3651])('refuses %i days', async (days) => {
    await expectSqlState(tenantKeeping(days), CHECK_VIOLATION);
  });
});

describe('audit log', () => {
  it('accepts inserts and refuses UPDATE, DELETE and TRUNCATE', async () => {
    const entry = await prisma.auditLog.create({
      data: { actorType: 'SYSTEM', action: 'tenant.create', entityType: 'tenant' },
    });
    await expectSqlState(
      prisma.auditLog.update({ where: { id: entry.id }, data: { action: 'rewritten' } }),
      INSUFFICIENT_PRIVILEGE,
    );
    await expectSqlState(prisma.auditLog.delete({ where: { id: entry.id } }), INSUFFICIENT_PRIVILEGE);
    await expectSqlState(prisma.$executeRawUnsafe('TRUNCATE audit_log'), INSUFFICIENT_PRIVILEGE);
    expect(await prisma.auditLog.findUnique({ where: { id: entry.id } })).toMatchObject({
      action: 'tenant.create',
    });
  });
});

describe('firewall group nesting', () => {
  const setParent = (id: string, parentId: string | null) =>
    prisma.firewallGroup.update({ where: { id }, data: { parentId } });

  it('accepts a parent in the same tenant', async () => {
    const tenant = await makeTenant();
    const root = await makeGroup(tenant.id);
    await expect(makeGroup(tenant.id, root.id)).resolves.toMatchObject({ parentId: root.id });
  });

  it('refuses a parent in another tenant, on insert and on update', async () => {
    const parent = await makeGroup((await makeTenant()).id);
    const tenant = await makeTenant();
    await expectSqlState(makeGroup(tenant.id, parent.id), CHECK_VIOLATION);
    const group = await makeGroup(tenant.id);
    await expectSqlState(setParent(group.id, parent.id), CHECK_VIOLATION);
  });

  it('refuses moving a group with children to another tenant', async () => {
    const tenant = await makeTenant();
    const parent = await makeGroup(tenant.id);
    await makeGroup(tenant.id, parent.id);
    const elsewhere = await makeTenant();
    await expectSqlState(
      prisma.firewallGroup.update({ where: { id: parent.id }, data: { tenantId: elsewhere.id } }),
      CHECK_VIOLATION,
    );
  });

  it('refuses a group as its own parent', async () => {
    const tenant = await makeTenant();
    const id = randomUUID();
    await expectSqlState(
      prisma.firewallGroup.create({ data: { id, tenantId: tenant.id, parentId: id, name: 'self' } }),
      CHECK_VIOLATION,
    );
    const group = await makeGroup(tenant.id);
    await expectSqlState(setParent(group.id, group.id), CHECK_VIOLATION);
  });

  it('refuses a parent that would close a cycle through several levels', async () => {
    const tenant = await makeTenant();
    const a = await makeGroup(tenant.id);
    const b = await makeGroup(tenant.id, a.id);
    const c = await makeGroup(tenant.id, b.id);
    await expectSqlState(setParent(a.id, c.id), CHECK_VIOLATION);
    // Re-parenting without a cycle still works.
    const d = await makeGroup(tenant.id);
    await expect(setParent(a.id, d.id)).resolves.toMatchObject({ parentId: d.id });
  });

  it('lets only one of two concurrent moves that would form a cycle succeed', async () => {
    const tenant = await makeTenant();
    const a = await makeGroup(tenant.id);
    const b = await makeGroup(tenant.id);
    const results = await Promise.allSettled([setParent(a.id, b.id), setParent(b.id, a.id)]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    // The loser either sees the committed move and reports the cycle, or the two row locks
    // cross and PostgreSQL aborts it as a deadlock (Prisma's write conflict, P2034).
    const [rejected] = results.filter((result) => result.status === 'rejected');
    const reason = rejected?.reason as { code?: string };
    expect(databaseErrorCode(reason) === CHECK_VIOLATION || reason.code === 'P2034').toBe(true);
    const parents = await prisma.firewallGroup.findMany({ where: { id: { in: [a.id, b.id] } } });
    expect(parents.filter((group) => group.parentId !== null)).toHaveLength(1);
  });
});
