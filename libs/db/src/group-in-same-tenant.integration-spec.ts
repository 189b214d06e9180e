import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from './generated/prisma/client';
import { createTestDatabase, expectSqlState, SQL_STATE, type TestDatabase } from './testing';

let db: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
});
afterAll(() => db.dispose());

/** Expects the database to refuse `operation` through the named same-tenant foreign key. */
const expectRefusedBy = (operation: Promise<unknown>, constraint: string) =>
  expectSqlState(operation, SQL_STATE.foreignKeyViolation, constraint);

async function twoTenants() {
  const [a, b] = await Promise.all([
    prisma.tenant.create({ data: { name: `tenant-${randomUUID()}` } }),
    prisma.tenant.create({ data: { name: `tenant-${randomUUID()}` } }),
  ]);
  const [groupA, otherGroupA, groupB] = await Promise.all([
    prisma.firewallGroup.create({ data: { tenantId: a.id, name: 'a1' } }),
    prisma.firewallGroup.create({ data: { tenantId: a.id, name: 'a2' } }),
    prisma.firewallGroup.create({ data: { tenantId: b.id, name: 'b1' } }),
  ]);
  return { a, b, groupA, otherGroupA, groupB };
}

const firewallData = (tenantId: string, groupId: string) => ({
  tenantId,
  groupId,
  serial: `serial-${randomUUID()}`,
  status: 'MANAGED' as const,
});
const tokenData = (tenantId: string, groupId: string) => ({
  tenantId,
  groupId,
  tokenHash: randomUUID(),
  prefix: 'te_',
  expiresAt: new Date(Date.now() + 60_000),
  maxUses: 1,
});
const exclusionData = (tenantId: string, groupId: string) => ({
  tenantId,
  groupId,
  type: 'DOMAIN' as const,
  value: `${randomUUID()}.example`,
});

describe('a firewall is in a group of its own tenant', () => {
  const constraint = 'firewall_group_in_same_tenant';

  it('refuses a group of another tenant on insert, and accepts its own', async () => {
    const { a, groupA, groupB } = await twoTenants();
    await expectRefusedBy(prisma.firewall.create({ data: firewallData(a.id, groupB.id) }), constraint);
    await expect(prisma.firewall.create({ data: firewallData(a.id, groupA.id) })).resolves.toBeDefined();
    expect(await prisma.firewall.count({ where: { tenantId: a.id } })).toBe(1);
  });

  it('refuses a move into another tenant, by group or by tenant, and allows one inside it', async () => {
    const { a, b, groupA, otherGroupA, groupB } = await twoTenants();
    const firewall = await prisma.firewall.create({ data: firewallData(a.id, groupA.id) });
    await expectRefusedBy(
      prisma.firewall.update({ where: { id: firewall.id }, data: { groupId: groupB.id } }),
      constraint,
    );
    await expectRefusedBy(
      prisma.firewall.update({ where: { id: firewall.id }, data: { tenantId: b.id } }),
      constraint,
    );
    const moved = await prisma.firewall.update({
      where: { id: firewall.id },
      data: { groupId: otherGroupA.id },
    });
    expect(moved).toMatchObject({ tenantId: a.id, groupId: otherGroupA.id });
  });

  it('keeps a group that holds firewalls in its tenant', async () => {
    const { a, b, groupA } = await twoTenants();
    await prisma.firewall.create({ data: firewallData(a.id, groupA.id) });
    await expectRefusedBy(
      prisma.firewallGroup.update({ where: { id: groupA.id }, data: { tenantId: b.id } }),
      constraint,
    );
  });
});

describe('an enrollment token enrolls into a group of its own tenant', () => {
  const constraint = 'enrollment_token_group_in_same_tenant';

  it('refuses a group of another tenant on insert and update, and accepts its own', async () => {
    const { a, groupA, otherGroupA, groupB } = await twoTenants();
    await expectRefusedBy(prisma.enrollmentToken.create({ data: tokenData(a.id, groupB.id) }), constraint);
    const token = await prisma.enrollmentToken.create({ data: tokenData(a.id, groupA.id) });
    await expectRefusedBy(
      prisma.enrollmentToken.update({ where: { id: token.id }, data: { groupId: groupB.id } }),
      constraint,
    );
    await expect(
      prisma.enrollmentToken.update({ where: { id: token.id }, data: { groupId: otherGroupA.id } }),
    ).resolves.toMatchObject({ groupId: otherGroupA.id });
  });
});

describe('a threat exclusion belongs to a group of its own tenant', () => {
  const constraint = 'threat_exclusion_group_in_same_tenant';

  it('refuses a group of another tenant on insert and update, and accepts its own', async () => {
    const { a, b, groupA, otherGroupA, groupB } = await twoTenants();
    await expectRefusedBy(
      prisma.threatExclusion.create({ data: exclusionData(a.id, groupB.id) }),
      constraint,
    );
    const exclusion = await prisma.threatExclusion.create({ data: exclusionData(a.id, groupA.id) });
    await expectRefusedBy(
      prisma.threatExclusion.update({ where: { id: exclusion.id }, data: { groupId: groupB.id } }),
      constraint,
    );
    await expectRefusedBy(
      prisma.threatExclusion.update({ where: { id: exclusion.id }, data: { tenantId: b.id } }),
      constraint,
    );
    await expect(
      prisma.threatExclusion.update({ where: { id: exclusion.id }, data: { groupId: otherGroupA.id } }),
    ).resolves.toMatchObject({ groupId: otherGroupA.id });
  });

  it('still goes with its group when the group is deleted', async () => {
    const { a, groupA } = await twoTenants();
    await prisma.threatExclusion.create({ data: exclusionData(a.id, groupA.id) });
    await prisma.enrollmentToken.create({ data: tokenData(a.id, groupA.id) });
    await prisma.firewallGroup.delete({ where: { id: groupA.id } });
    expect(await prisma.threatExclusion.count({ where: { groupId: groupA.id } })).toBe(0);
    expect(await prisma.enrollmentToken.count({ where: { groupId: groupA.id } })).toBe(0);
  });
});
