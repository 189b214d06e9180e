import { randomUUID } from 'node:crypto';
import { issueSecret, SecretKind } from '@threatline/auth';
import { ApiKeyRole, FirewallStatus, PrismaClient } from '@threatline/db';

/** Test data factories: each makes one valid row (and its secret), overridable where tests care. */

export async function makeTenant(prisma: PrismaClient, name = `tenant-${randomUUID()}`) {
  return prisma.tenant.create({ data: { name } });
}

export async function makeProvider(
  prisma: PrismaClient,
  tenantIds: string[],
  name = `provider-${randomUUID()}`,
) {
  return prisma.mdrProvider.create({
    data: { name, tenants: { create: tenantIds.map((tenantId) => ({ tenantId })) } },
  });
}

export async function makeApiKey(
  prisma: PrismaClient,
  role: ApiKeyRole,
  scope: { tenantId?: string; providerId?: string } = {},
): Promise<{ id: string; secret: string }> {
  const issued = issueSecret(SecretKind.API_KEY);
  const key = await prisma.apiKey.create({
    data: { name: `${role} key`, role, keyHash: issued.hash, prefix: issued.prefix, ...scope },
  });
  return { id: key.id, secret: issued.secret };
}

export async function makeGroup(prisma: PrismaClient, tenantId: string, name = `group-${randomUUID()}`) {
  return prisma.firewallGroup.create({ data: { tenantId, name } });
}

export interface TenantWithKeys {
  tenantId: string;
  groupId: string;
  adminKey: string;
  adminKeyId: string;
  readerKey: string;
}

/** A tenant with one group, a fleet admin key and a read-only key: the usual cast of a GraphQL test. */
export async function makeTenantWithKeys(prisma: PrismaClient): Promise<TenantWithKeys> {
  const tenantId = (await makeTenant(prisma)).id;
  const admin = await makeApiKey(prisma, ApiKeyRole.FLEET_ADMIN, { tenantId });
  return {
    tenantId,
    groupId: (await makeGroup(prisma, tenantId)).id,
    adminKey: admin.secret,
    adminKeyId: admin.id,
    readerKey: (await makeApiKey(prisma, ApiKeyRole.READ_ONLY, { tenantId })).secret,
  };
}

export async function makeFirewall(
  prisma: PrismaClient,
  tenantId: string,
  groupId: string,
  overrides: { serial?: string; hostname?: string; status?: FirewallStatus; connected?: boolean } = {},
): Promise<{ id: string; credential: string; serial: string }> {
  const credential = issueSecret(SecretKind.FIREWALL_CREDENTIAL);
  const serial = overrides.serial ?? `SN-${randomUUID().slice(0, 12)}`;
  // Connected means held by a gateway with a live presence lease (as a real gateway writes it).
  const gatewayInstanceId = overrides.connected ? (await makeLiveGatewayInstance(prisma)).id : null;
  const firewall = await prisma.firewall.create({
    data: {
      tenantId,
      groupId,
      serial,
      hostname: overrides.hostname ?? `fw-${serial.toLowerCase()}`,
      status: overrides.status ?? FirewallStatus.MANAGED,
      connected: overrides.connected ?? false,
      gatewayInstanceId,
      settings: { create: {} },
      credentials: { create: { secretHash: credential.hash } },
    },
  });
  return { id: firewall.id, credential: credential.secret, serial };
}

/** A gateway process's presence lease that stays live for the rest of the test. */
export function makeLiveGatewayInstance(prisma: PrismaClient) {
  const now = new Date();
  return prisma.gatewayInstance.create({
    data: {
      id: randomUUID(),
      startedAt: now,
      renewedAt: now,
      expiresAt: new Date(now.getTime() + 3_600_000),
    },
  });
}

export async function makeEnrollmentToken(
  prisma: PrismaClient,
  tenantId: string,
  groupId: string,
  overrides: { maxUses?: number; expiresAt?: Date; requireApproval?: boolean } = {},
): Promise<{ id: string; secret: string }> {
  const issued = issueSecret(SecretKind.ENROLLMENT_TOKEN);
  const token = await prisma.enrollmentToken.create({
    data: {
      tenantId,
      groupId,
      tokenHash: issued.hash,
      prefix: issued.prefix,
      maxUses: overrides.maxUses ?? 10,
      expiresAt: overrides.expiresAt ?? new Date(Date.now() + 3600_000),
      requireApproval: overrides.requireApproval ?? false,
    },
  });
  return { id: token.id, secret: issued.secret };
}

export async function makeExclusion(
  prisma: PrismaClient,
  tenantId: string,
  groupId: string,
  value = '10.9.9.9',
) {
  return prisma.threatExclusion.create({ data: { tenantId, groupId, type: 'IP', value, comment: 'test' } });
}
