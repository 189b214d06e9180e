import { Injectable } from '@nestjs/common';
import { ApiKeyRole, Prisma, PrismaService } from '@threatline/db';

export const DEMO_TENANT_NAME = 'Demo tenant';
export const DEMO_PROVIDER_NAME = 'Demo MDR provider';
export const DEMO_GROUP_NAME = 'Demo firewalls';

export interface HashedSecret {
  hash: string;
  prefix: string;
}

export interface DemoSecrets {
  admin: HashedSecret;
  analyst: HashedSecret;
  operator: HashedSecret;
  enrollment: HashedSecret;
}

/** Creates the demo tenant and everything around it in one transaction. */
@Injectable()
export class DemoSeedRepository {
  constructor(private readonly prisma: PrismaService) {}

  findDemoTenant() {
    return this.prisma.tenant.findUnique({ where: { name: DEMO_TENANT_NAME } });
  }

  seed(
    secrets: DemoSecrets,
    tokenExpiresAt: Date,
    audit: (tx: Prisma.TransactionClient, ids: Record<string, string>) => Promise<void>,
  ) {
    return this.prisma.$transaction(async (tx) => {
      const tenant = await tx.tenant.create({ data: { name: DEMO_TENANT_NAME } });
      const group = await tx.firewallGroup.create({ data: { tenantId: tenant.id, name: DEMO_GROUP_NAME } });
      const provider = await tx.mdrProvider.create({
        data: { name: DEMO_PROVIDER_NAME, tenants: { create: { tenantId: tenant.id } } },
      });
      const key = (
        name: string,
        role: ApiKeyRole,
        secret: HashedSecret,
        scope: { tenantId?: string; providerId?: string },
      ) => tx.apiKey.create({ data: { name, role, keyHash: secret.hash, prefix: secret.prefix, ...scope } });
      await key('Demo fleet admin', ApiKeyRole.FLEET_ADMIN, secrets.admin, { tenantId: tenant.id });
      await key('Demo MDR analyst', ApiKeyRole.MDR_ANALYST, secrets.analyst, { providerId: provider.id });
      await key('Demo operator', ApiKeyRole.OPERATOR, secrets.operator, {});
      const token = await tx.enrollmentToken.create({
        data: {
          tenantId: tenant.id,
          groupId: group.id,
          tokenHash: secrets.enrollment.hash,
          prefix: secrets.enrollment.prefix,
          expiresAt: tokenExpiresAt,
          maxUses: 1000,
          requireApproval: false,
        },
      });
      const ids = {
        tenantId: tenant.id,
        groupId: group.id,
        providerId: provider.id,
        enrollmentTokenId: token.id,
      };
      await audit(tx, ids);
      return ids;
    });
  }
}
