import { Injectable } from '@nestjs/common';
import { AuditService } from '@threatline/audit';
import { actorOf, ApiKeyPrincipal, issueSecret, SecretKind } from '@threatline/auth';
import { ApiKeyRole, isUniqueViolation, MdrProvider, Tenant } from '@threatline/db';
import { ForbiddenException, NotFoundException, ValidationException } from '@threatline/errors';
import { isUuid, requireName } from '@threatline/graphql-kit';
import { ApiKeyRow, TenancyRepository } from './tenancy.repository';
import { TenancyException, TenancyExceptionCode } from './tenancy.exception';

export interface CreateApiKeyInput {
  role: ApiKeyRole;
  name: string;
  tenantId?: string | null;
  providerId?: string | null;
}

const MAX_PROVIDER_TENANTS = 10_000;

export type ProviderWithTenants = MdrProvider & { tenantIds: string[] };

/** Platform provisioning: operators create tenants, MDR providers and keys; fleet admins their tenant's keys. */
@Injectable()
export class TenancyService {
  constructor(
    private readonly repository: TenancyRepository,
    private readonly audit: AuditService,
  ) {}

  listTenants(): Promise<Tenant[]> {
    return this.repository.listTenants();
  }

  listProviders(): Promise<ProviderWithTenants[]> {
    return this.repository.listProviders();
  }

  async createTenant(caller: ApiKeyPrincipal, rawName: string): Promise<Tenant> {
    const name = requireName(rawName, 'name');
    try {
      return await this.repository.transaction(async (tx) => {
        const tenant = await this.repository.createTenant(tx, name);
        await this.audit.record(tx, actorOf(caller), {
          tenantId: tenant.id,
          action: 'tenant.create',
          entityType: 'Tenant',
          entityId: tenant.id,
          after: tenant,
        });
        return tenant;
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new TenancyException(
          TenancyExceptionCode.TENANT_NAME_TAKEN,
          `A tenant named "${name}" exists.`,
        );
      }
      throw error;
    }
  }

  async createProvider(caller: ApiKeyPrincipal, rawName: string): Promise<ProviderWithTenants> {
    const name = requireName(rawName, 'name');
    try {
      return await this.repository.transaction(async (tx) => {
        const provider = await this.repository.createProvider(tx, name);
        await this.audit.record(tx, actorOf(caller), {
          tenantId: null,
          action: 'mdrProvider.create',
          entityType: 'MdrProvider',
          entityId: provider.id,
          after: provider,
        });
        return { ...provider, tenantIds: [] };
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new TenancyException(
          TenancyExceptionCode.PROVIDER_NAME_TAKEN,
          `An MDR provider named "${name}" exists.`,
        );
      }
      throw error;
    }
  }

  /** Replaces the set of tenants a provider serves; every id must be a tenant. */
  async setProviderTenants(
    caller: ApiKeyPrincipal,
    providerId: string,
    tenantIds: string[],
  ): Promise<ProviderWithTenants> {
    const unique = [...new Set(tenantIds)].sort();
    if (unique.length > MAX_PROVIDER_TENANTS) {
      throw new ValidationException(`At most ${MAX_PROVIDER_TENANTS} tenants per call.`, {
        field: 'tenantIds',
      });
    }
    const provider = isUuid(providerId) ? await this.repository.findProvider(providerId) : null;
    if (!provider) throw new NotFoundException('MdrProvider', providerId);
    const unknown = unique.find((id) => !isUuid(id));
    if (unknown !== undefined) throw new NotFoundException('Tenant', unknown);
    if ((await this.repository.countTenants(unique)) !== unique.length) {
      const known = new Set((await this.repository.listTenants()).map((t) => t.id));
      throw new NotFoundException('Tenant', unique.find((id) => !known.has(id)) ?? '');
    }
    return this.repository.transaction(async (tx) => {
      const before = await this.repository.providerTenantIds(tx, providerId);
      await this.repository.replaceProviderTenants(tx, providerId, unique);
      await this.audit.record(tx, actorOf(caller), {
        tenantId: null,
        action: 'mdrProvider.setTenants',
        entityType: 'MdrProvider',
        entityId: providerId,
        before: { tenantIds: before },
        after: { tenantIds: unique },
      });
      return { ...provider, tenantIds: unique };
    });
  }

  listApiKeys(caller: ApiKeyPrincipal): Promise<ApiKeyRow[]> {
    return this.repository.listApiKeys(this.keyScopeOf(caller));
  }

  async createApiKey(
    caller: ApiKeyPrincipal,
    input: CreateApiKeyInput,
  ): Promise<{ apiKey: ApiKeyRow; secret: string }> {
    const name = requireName(input.name, 'name');
    const scope = await this.resolveKeyScope(caller, input);
    const issued = issueSecret(SecretKind.API_KEY);
    return this.repository.transaction(async (tx) => {
      const apiKey = await this.repository.createApiKey(tx, {
        name,
        role: input.role,
        ...scope,
        keyHash: issued.hash,
        prefix: issued.prefix,
        createdById: caller.apiKeyId,
      });
      await this.audit.record(tx, actorOf(caller), {
        tenantId: apiKey.tenantId,
        action: 'apiKey.create',
        entityType: 'ApiKey',
        entityId: apiKey.id,
        after: apiKey,
      });
      return { apiKey, secret: issued.secret };
    });
  }

  async revokeApiKey(caller: ApiKeyPrincipal, id: string): Promise<ApiKeyRow> {
    return this.repository.transaction(async (tx) => {
      const existing = isUuid(id) ? await this.repository.findApiKey(tx, id, this.keyScopeOf(caller)) : null;
      if (!existing) throw new NotFoundException('ApiKey', id);
      if (existing.revokedAt) return existing;
      const revoked = await this.repository.revokeApiKey(tx, id);
      await this.audit.record(tx, actorOf(caller), {
        tenantId: revoked.tenantId,
        action: 'apiKey.revoke',
        entityType: 'ApiKey',
        entityId: id,
        before: existing,
        after: revoked,
      });
      return revoked;
    });
  }

  /** Operators see every key; a fleet admin only its own tenant's. */
  private keyScopeOf(caller: ApiKeyPrincipal): string | null {
    if (caller.role === ApiKeyRole.OPERATOR) return null;
    if (!caller.tenantId) throw new ForbiddenException('This operation needs a key scoped to a tenant.');
    return caller.tenantId;
  }

  private async resolveKeyScope(
    caller: ApiKeyPrincipal,
    input: CreateApiKeyInput,
  ): Promise<{ tenantId: string | null; providerId: string | null }> {
    const invalid = (message: string) =>
      new TenancyException(TenancyExceptionCode.API_KEY_SCOPE_INVALID, message, { role: input.role });
    if (caller.role !== ApiKeyRole.OPERATOR) {
      // A fleet admin creates keys for its own tenant only; another tenant's id reads as unknown.
      if (input.role !== ApiKeyRole.FLEET_ADMIN && input.role !== ApiKeyRole.READ_ONLY) {
        throw invalid('A fleet admin may create FLEET_ADMIN and READ_ONLY keys only.');
      }
      if (input.providerId) throw invalid('A tenant key has no providerId.');
      if (input.tenantId && input.tenantId !== caller.tenantId)
        throw new NotFoundException('Tenant', input.tenantId);
      return { tenantId: caller.tenantId, providerId: null };
    }
    switch (input.role) {
      case ApiKeyRole.OPERATOR:
        if (input.tenantId || input.providerId)
          throw invalid('An OPERATOR key has no tenantId or providerId.');
        return { tenantId: null, providerId: null };
      case ApiKeyRole.FLEET_ADMIN:
      case ApiKeyRole.READ_ONLY: {
        if (!input.tenantId || input.providerId)
          throw invalid(`A ${input.role} key needs a tenantId and no providerId.`);
        const tenant = isUuid(input.tenantId) ? await this.repository.findTenant(input.tenantId) : null;
        if (!tenant) throw new NotFoundException('Tenant', input.tenantId);
        return { tenantId: tenant.id, providerId: null };
      }
      case ApiKeyRole.MDR_ANALYST: {
        if (!input.providerId || input.tenantId)
          throw invalid('An MDR_ANALYST key needs a providerId and no tenantId.');
        const provider = isUuid(input.providerId)
          ? await this.repository.findProvider(input.providerId)
          : null;
        if (!provider) throw new NotFoundException('MdrProvider', input.providerId);
        return { tenantId: null, providerId: provider.id };
      }
    }
  }
}
