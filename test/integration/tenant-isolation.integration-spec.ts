import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  GraphQLField,
  GraphQLInputType,
  GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  IntrospectionQuery,
} from 'graphql';
import { ApiKeyRole } from '@threatline/db';
import { createTestApi, TestApi } from '@threatline/http/testing';
import { ReportingModule } from '@threatline/reporting';
import {
  makeApiKey,
  makeEnrollmentToken,
  makeExclusion,
  makeFirewall,
  makeGroup,
  makeProvider,
  makeTenant,
} from '../support/factories';
import { makeThreatEvent, storeThreatEvents } from '../support/threat-events';

/**
 * The tenant isolation matrix: every Query and Mutation field of the schema, called with a
 * key of tenant A, may neither see nor touch tenant B. A field missing from `expectations`
 * fails the suite, so a new operation cannot ship without a decision here.
 *
 * - `not-found`: called with B's ids it answers exactly as for ids that do not exist.
 * - `list`: answers, and nothing of B appears in the answer.
 * - `forbidden`: a fleet admin may not call it at all (platform operations).
 *
 * The same matrix runs with the key of an MDR analyst whose provider serves A but not B: it may
 * call what `analystExpectations` lists, and every other operation is FORBIDDEN to it.
 */
type Expectation = 'not-found' | 'list' | 'forbidden';

const expectations: Record<string, Expectation> = {
  'Query.viewer': 'list',
  'Query.tenants': 'forbidden',
  'Query.mdrProviders': 'forbidden',
  'Query.apiKeys': 'list',
  'Query.firewallGroups': 'list',
  'Query.firewalls': 'not-found',
  'Query.firewall': 'not-found',
  'Query.enrollmentTokens': 'not-found',
  'Query.threatExclusions': 'not-found',
  'Query.feeds': 'list',
  'Query.feed': 'not-found',
  'Query.threatEvents': 'not-found',
  'Query.threatEventSummary': 'not-found',
  'Mutation.createTenant': 'forbidden',
  'Mutation.createMdrProvider': 'forbidden',
  'Mutation.setProviderTenants': 'forbidden',
  'Mutation.createApiKey': 'not-found',
  'Mutation.revokeApiKey': 'not-found',
  'Mutation.createFirewallGroup': 'not-found',
  'Mutation.moveFirewall': 'not-found',
  'Mutation.approveFirewall': 'not-found',
  'Mutation.deregisterFirewall': 'not-found',
  'Mutation.updateMdrThreatFeedSettings': 'not-found',
  'Mutation.updateXopsThreatFeedSettings': 'not-found',
  'Mutation.updateLogSettings': 'not-found',
  'Mutation.createEnrollmentToken': 'not-found',
  'Mutation.revokeEnrollmentToken': 'not-found',
  'Mutation.addThreatExclusion': 'not-found',
  'Mutation.removeThreatExclusion': 'not-found',
};

/** What an analyst of a provider serving A (and not B) may call; anything else must be FORBIDDEN. */
const analystExpectations: Record<string, Expectation> = {
  'Query.viewer': 'list',
  'Query.feeds': 'list',
  'Query.feed': 'not-found',
  'Query.threatEvents': 'not-found',
  'Query.threatEventSummary': 'not-found',
};

/** Which of B's objects an `id` argument names, per field (other id arguments go by their name). */
const idArgumentOwner: Record<string, keyof TenantFixture> = {
  'Query.firewall': 'firewallId',
  'Query.feed': 'feedId',
  'Mutation.revokeApiKey': 'apiKeyId',
  'Mutation.revokeEnrollmentToken': 'enrollmentTokenId',
  'Mutation.removeThreatExclusion': 'exclusionId',
};

interface TenantFixture {
  tenantId: string;
  providerId: string;
  groupId: string;
  firewallId: string;
  apiKeyId: string;
  enrollmentTokenId: string;
  exclusionId: string;
  /** A feed of the tenant's provider that targets the tenant. */
  feedId: string;
  adminKey: string;
  /** An analyst of the provider that serves this tenant only. */
  analystKey: string;
}

/** An answer with every id the caller sent replaced by a placeholder. */
function masked(answer: unknown, variables: Record<string, unknown>): unknown {
  let text = JSON.stringify(answer);
  const ids =
    JSON.stringify(variables).match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [];
  for (const id of ids) text = text.split(id).join('<id>');
  return JSON.parse(text);
}

describe('tenant isolation over the whole GraphQL schema', () => {
  let api: TestApi;
  let schema: GraphQLSchema;
  let a: TenantFixture;
  let b: TenantFixture;

  async function makeTenantFixture(label: string): Promise<TenantFixture> {
    const tenant = await makeTenant(api.prisma, `${label}-${randomUUID()}`);
    const provider = await makeProvider(api.prisma, [tenant.id]);
    const group = await makeGroup(api.prisma, tenant.id);
    const firewall = await makeFirewall(api.prisma, tenant.id, group.id, { status: 'APPROVAL_PENDING' });
    const admin = await makeApiKey(api.prisma, ApiKeyRole.FLEET_ADMIN, { tenantId: tenant.id });
    const token = await makeEnrollmentToken(api.prisma, tenant.id, group.id);
    const exclusion = await makeExclusion(api.prisma, tenant.id, group.id);
    // An event of the firewall, whose id must never reach the other tenant.
    await storeThreatEvents(api, firewall.id, [makeThreatEvent()]);
    const analyst = await makeApiKey(api.prisma, ApiKeyRole.MDR_ANALYST, { providerId: provider.id });
    const feed = await api.prisma.feed.create({
      data: {
        auditId: `MDR-20261123-${label === 'tenant-a' ? 'AAAAAAAA' : 'BBBBBBBB'}`,
        source: 'MDR',
        providerId: provider.id,
        createdByKeyId: analyst.id,
        targets: { create: [{ tenantId: tenant.id }, { tenantId: tenant.id, groupId: group.id }] },
        indicators: { create: [{ type: 'domain', value: `${label}.example` }] },
      },
    });
    return {
      tenantId: tenant.id,
      providerId: provider.id,
      groupId: group.id,
      firewallId: firewall.id,
      apiKeyId: admin.id,
      enrollmentTokenId: token.id,
      exclusionId: exclusion.id,
      feedId: feed.id,
      adminKey: admin.secret,
      analystKey: analyst.secret,
    };
  }

  /** Everything of a tenant a leak could show or a write could change. */
  async function snapshotOf(tenantId: string): Promise<string> {
    const [groups, firewalls, settings, tokens, exclusions, keys, feeds] = await Promise.all([
      api.prisma.firewallGroup.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
      api.prisma.firewall.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
      api.prisma.firewallSettings.findMany({
        where: { firewall: { tenantId } },
        orderBy: { firewallId: 'asc' },
      }),
      api.prisma.enrollmentToken.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
      api.prisma.threatExclusion.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
      api.prisma.apiKey.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
      api.prisma.feed.findMany({
        where: { targets: { some: { tenantId } } },
        orderBy: { id: 'asc' },
        include: { targets: { orderBy: { id: 'asc' } }, indicators: { orderBy: { value: 'asc' } } },
      }),
    ]);
    return JSON.stringify({ groups, firewalls, settings, tokens, exclusions, keys, feeds });
  }

  beforeAll(async () => {
    api = await createTestApi({ imports: [ReportingModule] });
    a = await makeTenantFixture('tenant-a');
    b = await makeTenantFixture('tenant-b');
    const introspection = await api.graphql<IntrospectionQuery>(getIntrospectionQuery(), {}, a.adminKey);
    schema = buildClientSchema(introspection.data!);
  });

  afterAll(async () => {
    await api?.close();
  });

  function operations(): {
    key: string;
    kind: 'query' | 'mutation';
    field: GraphQLField<unknown, unknown>;
  }[] {
    const query = Object.values(schema.getQueryType()!.getFields()).map((field) => ({
      key: `Query.${field.name}`,
      kind: 'query' as const,
      field,
    }));
    const mutation = Object.values(schema.getMutationType()?.getFields() ?? {}).map((field) => ({
      key: `Mutation.${field.name}`,
      kind: 'mutation' as const,
      field,
    }));
    return [...query, ...mutation];
  }

  /** A valid value for an argument: B's id for ids, a plausible value for the rest. */
  function valueFor(
    key: string,
    arg: { name: string; type: GraphQLInputType },
    target: TenantFixture | 'random',
  ): unknown {
    const id = (owner: keyof TenantFixture) => (target === 'random' ? randomUUID() : target[owner]);
    const type = isNonNullType(arg.type) ? arg.type.ofType : arg.type;
    if (isListType(type))
      return [valueFor(key, { name: arg.name.replace(/s$/, ''), type: type.ofType }, target)];
    const named = getNamedType(type);
    if (isInputObjectType(named)) {
      return Object.fromEntries(
        Object.values(named.getFields())
          .filter((field) => isNonNullType(field.type) || field.name === 'tenantId')
          .map((field) => [field.name, valueFor(key, field, target)]),
      );
    }
    if (isEnumType(named)) {
      if (named.name === 'ApiKeyRole') return 'READ_ONLY';
      if (named.name === 'ExclusionType') return 'IP';
      return named.getValues()[0]!.value;
    }
    switch (arg.name) {
      case 'id':
        return id(idArgumentOwner[key] ?? 'firewallId');
      case 'firewallId':
        return id('firewallId');
      case 'groupId':
      case 'parentId':
        return id('groupId');
      case 'tenantId':
        return id('tenantId');
      case 'providerId':
        return id('providerId');
      case 'value':
        return '10.20.30.40';
      case 'expiresInSeconds':
        return 3600;
      case 'maxUses':
      case 'first':
        return 5;
      case 'after':
        // From the first page: a cursor is only ever one the API issued.
        return null;
      case 'from':
        return new Date(Date.now() - 3_600_000).toISOString();
      case 'to':
        return new Date().toISOString();
    }
    if (isScalarType(named) && named.name === 'Boolean') return true;
    if (isScalarType(named) && named.name === 'Int') return 1;
    return `isolation-${randomUUID().slice(0, 8)}`;
  }

  function documentFor(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): string {
    const args = field.args;
    const variables = args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
    const passed = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
    const selection = isObjectType(getNamedType(field.type)) ? ' { __typename }' : '';
    return `${kind}${variables ? ` (${variables})` : ''} { ${field.name}${passed ? `(${passed})` : ''}${selection} }`;
  }

  it('has a decision for every operation of the schema', () => {
    const missing = operations()
      .map((op) => op.key)
      .filter((key) => !(key in expectations));
    expect(missing, 'add these operations to the tenant isolation matrix').toEqual([]);
  });

  /** Calls every operation with B's ids under `callerKey` and checks each answer against its expectation. */
  async function expectIsolated(callerKey: string, expectationOf: (key: string) => Expectation | undefined) {
    const before = await snapshotOf(b.tenantId);
    const bIds = [
      b.tenantId,
      b.groupId,
      b.firewallId,
      b.apiKeyId,
      b.enrollmentTokenId,
      b.exclusionId,
      b.providerId,
      b.feedId,
    ];
    for (const { key, kind, field } of operations()) {
      const expectation = expectationOf(key);
      const document = documentFor(kind, field);
      const variablesFor = (target: TenantFixture | 'random') =>
        Object.fromEntries(field.args.map((arg) => [arg.name, valueFor(key, arg, target)]));
      const bVariables = variablesFor(b);
      const answer = await api.graphql(document, bVariables, callerKey);
      const serialized = JSON.stringify(answer);
      const data = JSON.stringify(answer.data ?? null);
      for (const id of bIds) expect(data, `${key} leaked an id of tenant B`).not.toContain(id);
      switch (expectation) {
        case 'list':
          expect(answer.errors, `${key} failed: ${serialized}`).toBeUndefined();
          break;
        case 'forbidden':
          expect(answer.errors?.[0]?.extensions?.code, `${key}: ${serialized}`).toBe('FORBIDDEN');
          break;
        case 'not-found': {
          expect(answer.errors?.[0]?.extensions?.code, `${key} with B's ids: ${serialized}`).toMatch(
            /_NOT_FOUND$/,
          );
          const randomVariables = variablesFor('random');
          const unknown = await api.graphql(document, randomVariables, callerKey);
          // Same answer, word for word, once the ids the caller sent are masked.
          expect(masked(answer, bVariables), `${key} must answer B's ids as unknown ids`).toEqual(
            masked(unknown, randomVariables),
          );
          break;
        }
        case undefined:
          throw new Error(`${key} has no isolation decision`);
      }
    }
    expect(await snapshotOf(b.tenantId)).toBe(before);
  }

  it("never lets tenant A's key see or change tenant B", async () => {
    await expectIsolated(a.adminKey, (key) => expectations[key]);
  });

  it('never lets an analyst of a provider that does not serve B see or change B', async () => {
    await expectIsolated(a.analystKey, (key) => analystExpectations[key] ?? 'forbidden');
  });

  it('never lets that analyst push to B, or read or revoke a feed of B, over REST', async () => {
    const before = await snapshotOf(b.tenantId);
    const auth = `Bearer ${a.analystKey}`;
    const push = await api.http
      .post('/api/v1/feeds')
      .set('Authorization', auth)
      .send({ tenantIds: [b.tenantId], indicators: [{ value: 'leak.example' }] });
    const pushToGroup = await api.http
      .post('/api/v1/feeds')
      .set('Authorization', auth)
      .send({ tenantIds: [a.tenantId], groupIds: [b.groupId], indicators: [{ value: 'leak.example' }] });
    const read = await api.http.get(`/api/v1/feeds/${b.feedId}`).set('Authorization', auth);
    const revoke = await api.http.delete(`/api/v1/feeds/${b.feedId}`).set('Authorization', auth);
    expect([push.status, pushToGroup.status, read.status, revoke.status]).toEqual([404, 404, 404, 404]);
    expect([push.body.error.code, pushToGroup.body.error.code, read.body.error.code]).toEqual([
      'TENANT_NOT_FOUND',
      'FIREWALL_GROUP_NOT_FOUND',
      'FEED_NOT_FOUND',
    ]);
    expect(await snapshotOf(b.tenantId)).toBe(before);
  });
});
