import { Injectable } from '@nestjs/common';
import { ApiKeyRole, MdrProvider, Prisma, PrismaService, Tenant } from '@threatline/db';

const apiKeyView = {
  id: true,
  name: true,
  prefix: true,
  role: true,
  tenantId: true,
  providerId: true,
  createdAt: true,
  revokedAt: true,
} satisfies Prisma.ApiKeySelect;

export type ApiKeyRow = Prisma.ApiKeyGetPayload<{ select: typeof apiKeyView }>;

export interface NewApiKey {
  name: string;
  role: ApiKeyRole;
  tenantId: string | null;
  providerId: string | null;
  keyHash: string;
  prefix: string;
  createdById: string | null;
}

/** Platform provisioning data: tenants, MDR providers and which tenants they serve, API keys. */
@Injectable()
export class TenancyRepository {
  constructor(private readonly prisma: PrismaService) {}

  listTenants(): Promise<Tenant[]> {
    return this.prisma.tenant.findMany({ orderBy: { name: 'asc' } });
  }

  findTenant(id: string): Promise<Tenant | null> {
    return this.prisma.tenant.findUnique({ where: { id } });
  }

  countTenants(ids: string[]): Promise<number> {
    return this.prisma.tenant.count({ where: { id: { in: ids } } });
  }

  createTenant(tx: Prisma.TransactionClient, name: string): Promise<Tenant> {
    return tx.tenant.create({ data: { name } });
  }

  async listProviders(): Promise<(MdrProvider & { tenantIds: string[] })[]> {
    const rows = await this.prisma.mdrProvider.findMany({
      orderBy: { name: 'asc' },
      include: { tenants: { select: { tenantId: true } } },
    });
    return rows.map(({ tenants, ...provider }) => ({
      ...provider,
      tenantIds: tenants.map((t) => t.tenantId),
    }));
  }

  findProvider(id: string): Promise<MdrProvider | null> {
    return this.prisma.mdrProvider.findUnique({ where: { id } });
  }

  createProvider(tx: Prisma.TransactionClient, name: string): Promise<MdrProvider> {
    return tx.mdrProvider.create({ data: { name } });
  }

  async providerTenantIds(tx: Prisma.TransactionClient, providerId: string): Promise<string[]> {
    const rows = await tx.mdrProviderTenant.findMany({ where: { providerId }, orderBy: { tenantId: 'asc' } });
    return rows.map((row) => row.tenantId);
  }

  async replaceProviderTenants(
    tx: Prisma.TransactionClient,
    providerId: string,
    tenantIds: string[],
  ): Promise<void> {
    await tx.mdrProviderTenant.deleteMany({ where: { providerId, tenantId: { notIn: tenantIds } } });
    await tx.mdrProviderTenant.createMany({
      data: tenantIds.map((tenantId) => ({ providerId, tenantId })),
      skipDuplicates: true,
    });
  }

  /** Keys visible to a caller: all of them for `scope` null (operator), else one tenant's. */
  listApiKeys(tenantId: string | null): Promise<ApiKeyRow[]> {
    return this.prisma.apiKey.findMany({
      where: tenantId === null ? {} : { tenantId },
      orderBy: { createdAt: 'asc' },
      select: apiKeyView,
    });
  }

  findApiKey(tx: Prisma.TransactionClient, id: string, tenantId: string | null): Promise<ApiKeyRow | null> {
    return tx.apiKey.findFirst({ where: tenantId === null ? { id } : { id, tenantId }, select: apiKeyView });
  }

  createApiKey(tx: Prisma.TransactionClient, key: NewApiKey): Promise<ApiKeyRow> {
    return tx.apiKey.create({ data: key, select: apiKeyView });
  }

  revokeApiKey(tx: Prisma.TransactionClient, id: string): Promise<ApiKeyRow> {
    return tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() }, select: apiKeyView });
  }

  transaction<T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work);
  }
}
