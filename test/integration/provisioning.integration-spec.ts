import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRole } from '@threatline/db';
import { createTestApi, TestApi } from '@threatline/http/testing';
import { makeApiKey, makeTenant } from '../support/factories';

interface CreatedKey {
  createApiKey: {
    secret: string;
    apiKey: { id: string; role: string; tenantId: string | null; providerId: string | null };
  };
}

const CREATE_KEY = `mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { secret apiKey { id role tenantId providerId prefix } }
}`;

describe('operator provisioning', () => {
  let api: TestApi;
  let operator: string;

  beforeAll(async () => {
    api = await createTestApi();
    operator = (await makeApiKey(api.prisma, ApiKeyRole.OPERATOR)).secret;
  });

  afterAll(async () => {
    await api?.close();
  });

  it('creates tenants and providers, and sets which tenants a provider serves', async () => {
    const t1 = await api.graphql<{ createTenant: { id: string } }>(
      'mutation { createTenant(name: "Acme") { id name } }',
      {},
      operator,
    );
    const t2 = await api.graphql<{ createTenant: { id: string } }>(
      'mutation { createTenant(name: "Globex") { id } }',
      {},
      operator,
    );
    const duplicate = await api.graphql('mutation { createTenant(name: "Acme") { id } }', {}, operator);
    expect(duplicate.errors?.[0]?.extensions?.code).toBe('TENANT_NAME_TAKEN');

    const provider = await api.graphql<{ createMdrProvider: { id: string } }>(
      'mutation { createMdrProvider(name: "Watchers") { id tenantIds } }',
      {},
      operator,
    );
    const providerId = provider.data!.createMdrProvider.id;
    const tenantIds = [t1.data!.createTenant.id, t2.data!.createTenant.id].sort();
    const set = await api.graphql<{ setProviderTenants: { tenantIds: string[] } }>(
      'mutation($p: ID!, $t: [ID!]!) { setProviderTenants(providerId: $p, tenantIds: $t) { tenantIds } }',
      { p: providerId, t: tenantIds },
      operator,
    );
    expect(set.data!.setProviderTenants.tenantIds).toEqual(tenantIds);

    const narrowed = await api.graphql<{ setProviderTenants: { tenantIds: string[] } }>(
      'mutation($p: ID!, $t: [ID!]!) { setProviderTenants(providerId: $p, tenantIds: $t) { tenantIds } }',
      { p: providerId, t: [tenantIds[0]] },
      operator,
    );
    expect(narrowed.data!.setProviderTenants.tenantIds).toEqual([tenantIds[0]]);

    const unknownTenant = await api.graphql(
      'mutation($p: ID!, $t: [ID!]!) { setProviderTenants(providerId: $p, tenantIds: $t) { tenantIds } }',
      { p: providerId, t: [tenantIds[0], '00000000-0000-4000-8000-000000000000'] },
      operator,
    );
    expect(unknownTenant.errors?.[0]?.extensions?.code).toBe('TENANT_NOT_FOUND');
    expect(await api.prisma.mdrProviderTenant.count({ where: { providerId } })).toBe(1);

    const listed = await api.graphql<{ mdrProviders: { name: string; tenantIds: string[] }[] }>(
      '{ mdrProviders { name tenantIds } }',
      {},
      operator,
    );
    expect(listed.data!.mdrProviders).toContainEqual({ name: 'Watchers', tenantIds: [tenantIds[0]] });
  });

  it('issues keys scoped by role, shown once and stored hashed, and revokes them', async () => {
    const tenant = await makeTenant(api.prisma);
    const created = await api.graphql<CreatedKey>(
      CREATE_KEY,
      { input: { role: 'FLEET_ADMIN', name: 'ops', tenantId: tenant.id } },
      operator,
    );
    const { secret, apiKey } = created.data!.createApiKey;
    expect(secret).toMatch(/^tlk_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ role: 'FLEET_ADMIN', tenantId: tenant.id, providerId: null });
    const stored = await api.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(JSON.stringify(stored)).not.toContain(secret);

    const viewer = await api.graphql<{ viewer: { role: string; tenantId: string } }>(
      '{ viewer { role tenantId } }',
      {},
      secret,
    );
    expect(viewer.data!.viewer).toEqual({ role: 'FLEET_ADMIN', tenantId: tenant.id });

    // A fleet admin makes keys for its own tenant only, and never platform keys.
    const readOnly = await api.graphql<CreatedKey>(
      CREATE_KEY,
      { input: { role: 'READ_ONLY', name: 'auditor' } },
      secret,
    );
    expect(readOnly.data!.createApiKey.apiKey.tenantId).toBe(tenant.id);
    const escalation = await api.graphql(CREATE_KEY, { input: { role: 'OPERATOR', name: 'root' } }, secret);
    expect(escalation.errors?.[0]?.extensions?.code).toBe('API_KEY_SCOPE_INVALID');

    const revoked = await api.graphql<{ revokeApiKey: { revokedAt: string } }>(
      'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }',
      { id: readOnly.data!.createApiKey.apiKey.id },
      secret,
    );
    expect(revoked.data!.revokeApiKey.revokedAt).toBeTruthy();
    const afterRevoke = await api.graphql('{ viewer { role } }', {}, readOnly.data!.createApiKey.secret);
    expect(afterRevoke.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses keys whose scope does not fit the role, changing nothing', async () => {
    const tenant = await makeTenant(api.prisma);
    const keysBefore = await api.prisma.apiKey.count();
    const cases: [Record<string, unknown>, string][] = [
      [{ role: 'FLEET_ADMIN', name: 'x' }, 'API_KEY_SCOPE_INVALID'],
      [{ role: 'OPERATOR', name: 'x', tenantId: tenant.id }, 'API_KEY_SCOPE_INVALID'],
      [{ role: 'MDR_ANALYST', name: 'x', tenantId: tenant.id }, 'API_KEY_SCOPE_INVALID'],
      [
        { role: 'MDR_ANALYST', name: 'x', providerId: '00000000-0000-4000-8000-000000000000' },
        'MDR_PROVIDER_NOT_FOUND',
      ],
      [{ role: 'READ_ONLY', name: 'x', tenantId: 'not-a-uuid' }, 'TENANT_NOT_FOUND'],
      [{ role: 'READ_ONLY', name: '', tenantId: tenant.id }, 'VALIDATION_FAILED'],
      [{ role: 'SUPERUSER', name: 'x' }, 'BAD_USER_INPUT'],
    ];
    for (const [input, code] of cases) {
      const answer = await api.graphql(CREATE_KEY, { input }, operator);
      expect(answer.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe(code);
    }
    expect(await api.prisma.apiKey.count()).toBe(keysBefore);
  });

  it('keeps platform operations to operators', async () => {
    const tenant = await makeTenant(api.prisma);
    const admin = (await makeApiKey(api.prisma, ApiKeyRole.FLEET_ADMIN, { tenantId: tenant.id })).secret;
    for (const document of [
      'mutation { createTenant(name: "x") { id } }',
      '{ tenants { id } }',
      '{ mdrProviders { id } }',
    ]) {
      const answer = await api.graphql(document, {}, admin);
      expect(answer.errors?.[0]?.extensions?.code, document).toBe('FORBIDDEN');
    }
    const operatorTenantData = await api.graphql('{ firewallGroups { id } }', {}, operator);
    expect(operatorTenantData.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
