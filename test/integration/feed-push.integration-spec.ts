import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRole } from '@threatline/db';
import { createTestApi, TestApi } from '@threatline/http/testing';
import { makeApiKey, makeGroup } from '../support/factories';
import { makeServedTenant, pushFeed, ServedTenant, storedCounts, type Accepted } from '../support/feeds';

const AUDIT_ID = /^MDR-\d{8}-[0-9A-HJKMNP-TV-Z]{8}$/;

describe('POST /api/v1/feeds (accepting a push)', () => {
  let api: TestApi;
  let tenant: ServedTenant;
  let other: ServedTenant;

  beforeAll(async () => {
    api = await createTestApi();
    tenant = await makeServedTenant(api.prisma);
    other = await makeServedTenant(api.prisma);
  });

  afterAll(async () => {
    await api?.close();
  });

  const push = (body: unknown, key = tenant.analystKey, idempotencyKey?: string) =>
    pushFeed(api, key, body, idempotencyKey);

  it('normalizes every line, merges duplicates, answers rejected lines by index and stores the feed PENDING', async () => {
    const response = await push({
      tenantIds: [tenant.tenantId],
      description: 'APT-41 staging hosts',
      severity: 'high',
      indicators: [
        { value: 'Evil.COM.' },
        { value: 'http://Evil.com:80/a/../dl/x.exe#frag', description: 'dropper' },
        { value: '10.1.2.3/8' },
        { value: 'evil.com', ttlSeconds: 3600 },
        { value: '1.2.3.4/32', type: 'cidr' },
        { value: 'hxxp://bad[.]org' },
        { value: '  203.0.113.7  ' },
      ],
    });
    expect(response.status).toBe(202);
    const body = response.body as Accepted;
    expect(body.auditId).toMatch(AUDIT_ID);
    expect(body.accepted).toBe(4);
    expect(body.rejected).toEqual([
      expect.objectContaining({
        index: 2,
        value: '10.1.2.3/8',
        code: 'CIDR_HOST_BITS_SET',
        suggestion: '10.0.0.0/8',
      }),
      expect.objectContaining({ index: 5, value: 'hxxp://bad[.]org', code: 'DEFANGED' }),
    ]);
    expect(body.rejected[0]!.reason).toContain('10.0.0.0/8');

    const feed = await api.prisma.feed.findUniqueOrThrow({ where: { id: body.feedId } });
    expect(feed).toMatchObject({
      auditId: body.auditId,
      source: 'MDR',
      providerId: tenant.providerId,
      description: 'APT-41 staging hosts',
      severity: 'high',
      dryRun: false,
      status: expect.stringMatching(/PENDING|PUBLISHED/) as string,
    });
    const indicators = await api.prisma.feedIndicator.findMany({
      where: { feedId: body.feedId },
      orderBy: [{ type: 'asc' }, { value: 'asc' }],
    });
    expect(
      indicators.map(({ type, value, description, expiresAt }) => ({ type, value, description, expiresAt })),
    ).toEqual([
      { type: 'ipv4', value: '1.2.3.4', description: null, expiresAt: null },
      { type: 'ipv4', value: '203.0.113.7', description: null, expiresAt: null },
      // The line without TTL outlives the one with: the merged indicator never expires.
      { type: 'domain', value: 'evil.com', description: null, expiresAt: null },
      { type: 'url', value: 'evil.com/dl/x.exe', description: 'dropper', expiresAt: null },
    ]);
    const targets = await api.prisma.feedTarget.findMany({ where: { feedId: body.feedId } });
    expect(targets).toEqual([expect.objectContaining({ tenantId: tenant.tenantId, groupId: null })]);
    const audit = await api.prisma.auditLog.findMany({ where: { entityId: body.feedId } });
    expect(audit).toEqual([
      expect.objectContaining({ action: 'feed.push', tenantId: tenant.tenantId, entityType: 'Feed' }),
    ]);
  });

  it('stores an indicator TTL as an expiry on the database clock', async () => {
    const before = Date.now();
    const response = await push({
      tenantIds: [tenant.tenantId],
      indicators: [{ value: 'ttl.example', ttlSeconds: 600 }],
    });
    expect(response.status).toBe(202);
    const [indicator] = await api.prisma.feedIndicator.findMany({
      where: { feedId: (response.body as Accepted).feedId },
    });
    const expiresAt = indicator!.expiresAt!.getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 600_000 - 2000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 600_000 + 2000);
  });

  it('targets named groups of a tenant and the whole of a tenant named alone', async () => {
    const second = await makeGroup(api.prisma, tenant.tenantId);
    const provider = await api.prisma.mdrProviderTenant.create({
      data: { providerId: tenant.providerId, tenantId: other.tenantId },
    });
    try {
      const response = await push({
        tenantIds: [tenant.tenantId, other.tenantId],
        groupIds: [tenant.groupId, second.id],
        indicators: [{ value: 'groups.example' }],
      });
      expect(response.status).toBe(202);
      const targets = await api.prisma.feedTarget.findMany({
        where: { feedId: (response.body as Accepted).feedId },
        select: { tenantId: true, groupId: true },
      });
      expect(targets).toHaveLength(3);
      expect(targets).toEqual(
        expect.arrayContaining([
          { tenantId: tenant.tenantId, groupId: tenant.groupId },
          { tenantId: tenant.tenantId, groupId: second.id },
          { tenantId: other.tenantId, groupId: null },
        ]),
      );
      const audit = await api.prisma.auditLog.findMany({
        where: { entityId: (response.body as Accepted).feedId },
      });
      expect(audit.map((row) => row.tenantId).sort()).toEqual([tenant.tenantId, other.tenantId].sort());
    } finally {
      await api.prisma.mdrProviderTenant.delete({
        where: { providerId_tenantId: { providerId: provider.providerId, tenantId: provider.tenantId } },
      });
    }
  });

  describe('refuses bad input with 400 and stores nothing', () => {
    const valid = () => ({ tenantIds: [tenant.tenantId], indicators: [{ value: 'a.example' }] });
    const cases: [string, () => unknown, string][] = [
      ['a body that is not an object', () => ['a.example'], '(body)'],
      ['no tenantIds', () => ({ indicators: [{ value: 'a.example' }] }), 'tenantIds'],
      ['an empty tenantIds', () => ({ ...valid(), tenantIds: [] }), 'tenantIds'],
      ['a tenant id that is no UUID', () => ({ ...valid(), tenantIds: ['acme'] }), 'tenantIds.0'],
      ['groupIds not a list', () => ({ ...valid(), groupIds: tenant.groupId }), 'groupIds'],
      [
        'a description with control characters',
        () => ({ ...valid(), description: 'a\u0007' }),
        'description',
      ],
      ['an unknown severity', () => ({ ...valid(), severity: 'severe' }), 'severity'],
      ['dryRun not a boolean', () => ({ ...valid(), dryRun: 'false' }), 'dryRun'],
      ['no indicators', () => ({ tenantIds: [tenant.tenantId] }), 'indicators'],
      ['an empty indicator list', () => ({ ...valid(), indicators: [] }), 'indicators'],
      [
        'an indicator that is a bare string',
        () => ({ ...valid(), indicators: ['a.example'] }),
        'indicators.0',
      ],
      [
        'an indicator value that is not a string',
        () => ({ ...valid(), indicators: [{ value: 42 }] }),
        'indicators.0.value',
      ],
      [
        'an unknown indicator type',
        () => ({ ...valid(), indicators: [{ value: 'a', type: 'hash' }] }),
        'indicators.0.type',
      ],
      [
        'a zero TTL',
        () => ({ ...valid(), indicators: [{ value: 'a', ttlSeconds: 0 }] }),
        'indicators.0.ttlSeconds',
      ],
      [
        'a fractional TTL',
        () => ({ ...valid(), indicators: [{ value: 'a', ttlSeconds: 0.5 }] }),
        'indicators.0.ttlSeconds',
      ],
      [
        'an indicator description too long',
        () => ({ ...valid(), indicators: [{ value: 'a', description: 'd'.repeat(501) }] }),
        'indicators.0.description',
      ],
      [
        'an unknown indicator field',
        () => ({ ...valid(), indicators: [{ value: 'a', score: 9 }] }),
        'indicators.0.score',
      ],
      ['an unknown field', () => ({ ...valid(), priority: 1 }), 'priority'],
    ];
    it.each(cases)('%s', async (_name, body, field) => {
      const before = await storedCounts(api.prisma);
      const response = await push(body());
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field } });
      expect(await storedCounts(api.prisma)).toEqual(before);
    });

    it('malformed JSON', async () => {
      const before = await storedCounts(api.prisma);
      const response = await api.http
        .post('/api/v1/feeds')
        .set('Authorization', `Bearer ${tenant.analystKey}`)
        .set('Content-Type', 'application/json')
        .send('{"tenantIds": [');
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('MALFORMED_JSON');
      expect(await storedCounts(api.prisma)).toEqual(before);
    });

    it('a bad Idempotency-Key', async () => {
      const response = await push(valid(), tenant.analystKey, 'k'.repeat(256));
      expect(response.status).toBe(400);
      expect(response.body.error.details).toEqual({ field: 'Idempotency-Key' });
    });
  });

  it('answers 422 and stores nothing when every line is rejected', async () => {
    const before = await storedCounts(api.prisma);
    const response = await push({
      tenantIds: [tenant.tenantId],
      indicators: [{ value: 'com' }, { value: '' }],
    });
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({
      code: 'NO_VALID_INDICATORS',
      details: {
        rejectedCount: 2,
        rejected: [
          expect.objectContaining({ index: 0, code: 'DOMAIN_TOO_BROAD' }),
          expect.objectContaining({ index: 1, code: 'EMPTY' }),
        ],
      },
    });
    expect(await storedCounts(api.prisma)).toEqual(before);
  });

  describe('limits', () => {
    it('stores 100,000 indicators in one push, fast', async () => {
      const indicators = Array.from({ length: 100_000 }, (_, i) => ({
        value: `host-${i}.bulk-${i % 97}.example`,
      }));
      const started = performance.now();
      const response = await push({ tenantIds: [tenant.tenantId], indicators });
      const elapsed = performance.now() - started;
      expect(response.status).toBe(202);
      expect((response.body as Accepted).accepted).toBe(100_000);
      expect(
        await api.prisma.feedIndicator.count({ where: { feedId: (response.body as Accepted).feedId } }),
      ).toBe(100_000);
      console.info(`push of 100,000 indicators answered 202 in ${elapsed.toFixed(0)} ms`);
      // A bound loose enough for a loaded CI machine; the figure itself is in the log.
      expect(elapsed).toBeLessThan(30_000);
    });

    it('answers 100,001 indicators with 413 and stores nothing', async () => {
      const before = await storedCounts(api.prisma);
      const indicators = Array.from({ length: 100_001 }, (_, i) => ({ value: `h${i}.example` }));
      const response = await push({ tenantIds: [tenant.tenantId], indicators });
      expect(response.status).toBe(413);
      expect(response.body.error).toMatchObject({
        code: 'TOO_MANY_INDICATORS',
        details: { count: 100_001, limit: 100_000 },
      });
      expect(await storedCounts(api.prisma)).toEqual(before);
    });

    it('answers a body over the feed body limit with 413 and stores nothing', async () => {
      const before = await storedCounts(api.prisma);
      const description = 'x'.repeat(1000);
      const indicators = Array.from({ length: 70_000 }, (_, i) => ({
        value: `h${i}.example`,
        description: description.slice(0, 500),
      }));
      const response = await push({ tenantIds: [tenant.tenantId], description, indicators });
      expect(response.status).toBe(413);
      expect(response.body.error).toEqual({
        code: 'PAYLOAD_TOO_LARGE',
        message: 'The request body is larger than 32mb.',
      });
      expect(await storedCounts(api.prisma)).toEqual(before);
    });

    it('keeps HTTP_BODY_LIMIT on every other route', async () => {
      const values = Array.from({ length: 60_000 }, (_, i) => `host-${i}.example.org`);
      const normalize = await api.http
        .post('/api/v1/indicators/normalize')
        .set('Authorization', `Bearer ${tenant.analystKey}`)
        .send({ values });
      expect(normalize.status).toBe(413);
      expect(normalize.body.error.message).toBe('The request body is larger than 1mb.');
      const feed = await push({
        tenantIds: [tenant.tenantId],
        indicators: values.map((value) => ({ value })),
      });
      expect(feed.status).toBe(202);
    });
  });

  describe('Idempotency-Key', () => {
    it('answers the same key and body with the first answer and stores nothing new', async () => {
      const key = randomUUID();
      const body = {
        tenantIds: [tenant.tenantId],
        indicators: [{ value: 'once.example' }, { value: '999.1.1.1' }],
      };
      const first = await push(body, tenant.analystKey, key);
      expect(first.status).toBe(202);
      const before = await storedCounts(api.prisma);
      const again = await push(body, tenant.analystKey, key);
      expect(again.status).toBe(202);
      expect(again.body).toEqual(first.body);
      expect(await storedCounts(api.prisma)).toEqual(before);
    });

    it('answers the same key with another body with 409 and stores nothing', async () => {
      const key = randomUUID();
      await push(
        { tenantIds: [tenant.tenantId], indicators: [{ value: 'first.example' }] },
        tenant.analystKey,
        key,
      );
      const before = await storedCounts(api.prisma);
      const other = await push(
        { tenantIds: [tenant.tenantId], indicators: [{ value: 'second.example' }] },
        tenant.analystKey,
        key,
      );
      expect(other.status).toBe(409);
      expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await storedCounts(api.prisma)).toEqual(before);
    });

    it('stores one feed for concurrent requests with the same key', async () => {
      const key = randomUUID();
      const body = { tenantIds: [tenant.tenantId], indicators: [{ value: 'race.example' }] };
      const answers = await Promise.all([1, 2, 3, 4].map(() => push(body, tenant.analystKey, key)));
      expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202]);
      const feedIds = new Set(answers.map((answer) => (answer.body as Accepted).feedId));
      expect(feedIds.size).toBe(1);
      expect(await api.prisma.feed.count({ where: { idempotencyKey: key } })).toBe(1);
    });

    it('keeps keys apart per MDR provider', async () => {
      const key = randomUUID();
      const mine = await push(
        { tenantIds: [tenant.tenantId], indicators: [{ value: 'p1.example' }] },
        tenant.analystKey,
        key,
      );
      const theirs = await push(
        { tenantIds: [other.tenantId], indicators: [{ value: 'p2.example' }] },
        other.analystKey,
        key,
      );
      expect([mine.status, theirs.status]).toEqual([202, 202]);
      expect((mine.body as Accepted).feedId).not.toBe((theirs.body as Accepted).feedId);
    });
  });

  describe('analyst isolation', () => {
    it('answers a push to a tenant the provider does not serve exactly like one to no tenant, storing nothing', async () => {
      const before = await storedCounts(api.prisma);
      const unserved = await push({
        tenantIds: [tenant.tenantId, other.tenantId],
        indicators: [{ value: 'x.example' }],
      });
      const unknownId = randomUUID();
      const unknown = await push({ tenantIds: [unknownId], indicators: [{ value: 'x.example' }] });
      expect(unserved.status).toBe(404);
      expect(unknown.status).toBe(404);
      expect(unserved.body.error.code).toBe('TENANT_NOT_FOUND');
      expect(JSON.stringify(unserved.body).split(other.tenantId).join('<id>')).toBe(
        JSON.stringify(unknown.body).split(unknownId).join('<id>'),
      );
      expect(await storedCounts(api.prisma)).toEqual(before);
    });

    it("refuses a group of a tenant that is not named, or another tenant's group", async () => {
      const before = await storedCounts(api.prisma);
      const response = await push({
        tenantIds: [tenant.tenantId],
        groupIds: [other.groupId],
        indicators: [{ value: 'x.example' }],
      });
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('FIREWALL_GROUP_NOT_FOUND');
      expect(await storedCounts(api.prisma)).toEqual(before);
    });

    it("answers another provider's feed as not found, for reading and revoking", async () => {
      const theirs = await push(
        { tenantIds: [other.tenantId], indicators: [{ value: 'theirs.example' }] },
        other.analystKey,
      );
      const feedId = (theirs.body as Accepted).feedId;
      const read = await api.http
        .get(`/api/v1/feeds/${feedId}`)
        .set('Authorization', `Bearer ${tenant.analystKey}`);
      const revoke = await api.http
        .delete(`/api/v1/feeds/${feedId}`)
        .set('Authorization', `Bearer ${tenant.analystKey}`);
      const unknown = await api.http
        .get(`/api/v1/feeds/${randomUUID()}`)
        .set('Authorization', `Bearer ${tenant.analystKey}`);
      expect([read.status, revoke.status, unknown.status]).toEqual([404, 404, 404]);
      expect(read.body.error.code).toBe('FEED_NOT_FOUND');
      const feed = await api.prisma.feed.findUniqueOrThrow({ where: { id: feedId } });
      expect(feed.status).not.toMatch(/REVOK/);
      const mine = await api.http
        .get(`/api/v1/feeds/${feedId}`)
        .set('Authorization', `Bearer ${other.analystKey}`);
      expect(mine.status).toBe(200);
    });

    it('lets only analyst keys push, and only operators import X-Ops lists', async () => {
      const body = { tenantIds: [tenant.tenantId], indicators: [{ value: 'x.example' }] };
      const admin = await push(body, tenant.adminKey);
      const reader = await push(body, tenant.readerKey);
      const operator = await push(body, (await makeApiKey(api.prisma, ApiKeyRole.OPERATOR)).secret);
      const none = await api.http.post('/api/v1/feeds').send(body);
      expect([admin.status, reader.status, operator.status, none.status]).toEqual([403, 403, 403, 401]);
      const xops = await api.http
        .post('/api/v1/xops/imports')
        .set('Authorization', `Bearer ${tenant.analystKey}`)
        .set('Content-Type', 'text/plain')
        .send('evil.example\n');
      expect(xops.status).toBe(403);
    });
  });

  describe('GET and DELETE /api/v1/feeds/{id}', () => {
    it('shows the feed, its indicator count and its delivery', async () => {
      const pushed = (
        await push({
          tenantIds: [tenant.tenantId],
          severity: 'low',
          dryRun: true,
          indicators: [{ value: 'a.example' }, { value: 'A.example' }, { value: 'b.example' }],
        })
      ).body as Accepted;
      const response = await api.http
        .get(`/api/v1/feeds/${pushed.feedId}`)
        .set('Authorization', `Bearer ${tenant.analystKey}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        feedId: pushed.feedId,
        auditId: pushed.auditId,
        source: 'MDR',
        description: '',
        severity: 'low',
        dryRun: true,
        targets: [{ tenantId: tenant.tenantId, groupId: null }],
        indicatorCount: 2,
        delivery: { targetedFirewalls: 0, appliedFirewalls: 0 },
      });
    });

    it('revokes: REVOKING at once, audited; a second revoke changes nothing', async () => {
      const pushed = (await push({ tenantIds: [tenant.tenantId], indicators: [{ value: 'revoke.example' }] }))
        .body as Accepted;
      const first = await api.http
        .delete(`/api/v1/feeds/${pushed.feedId}`)
        .set('Authorization', `Bearer ${tenant.analystKey}`);
      expect(first.status).toBe(202);
      expect(first.body).toMatchObject({ feedId: pushed.feedId, status: 'REVOKING' });
      expect(first.body.revokedAt).toEqual(expect.any(String));
      const audit = () =>
        api.prisma.auditLog.count({ where: { entityId: pushed.feedId, action: 'feed.revoke' } });
      expect(await audit()).toBe(1);
      const second = await api.http
        .delete(`/api/v1/feeds/${pushed.feedId}`)
        .set('Authorization', `Bearer ${tenant.analystKey}`);
      expect(second.status).toBe(202);
      expect(second.body.revokedAt).toBe(first.body.revokedAt);
      expect(await audit()).toBe(1);
    });

    it('answers an id that is no UUID as not found', async () => {
      const response = await api.http
        .get('/api/v1/feeds/latest')
        .set('Authorization', `Bearer ${tenant.analystKey}`);
      expect(response.status).toBe(404);
    });
  });

  describe('POST /api/v1/indicators/normalize', () => {
    it('answers what a push would store, storing nothing', async () => {
      const before = await storedCounts(api.prisma);
      const response = await api.http
        .post('/api/v1/indicators/normalize')
        .set('Authorization', `Bearer ${tenant.analystKey}`)
        .send({ values: ['HTTP://Evil.com/a/./b', '127.1', 'pаypal.com'] });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        results: [
          { input: 'HTTP://Evil.com/a/./b', type: 'url', normalized: 'evil.com/a/b' },
          expect.objectContaining({ input: '127.1', code: 'IPV4_NON_CANONICAL', suggestion: '127.0.0.1' }),
          expect.objectContaining({
            input: 'pаypal.com',
            type: 'domain',
            normalized: 'xn--pypal-4ve.com',
            warnings: [expect.objectContaining({ code: 'MIXED_SCRIPT' })],
          }),
        ],
      });
      expect(response.body.results[1].error).toEqual(expect.any(String));
      expect(await storedCounts(api.prisma)).toEqual(before);
    });

    it('refuses bad input', async () => {
      const response = await api.http
        .post('/api/v1/indicators/normalize')
        .set('Authorization', `Bearer ${tenant.analystKey}`)
        .send({ values: [1] });
      expect(response.status).toBe(400);
      expect(response.body.error.details.field).toBe('values.0');
    });
  });
});

describe('POST /api/v1/feeds with Redis unreachable', () => {
  let api: TestApi;

  beforeAll(async () => {
    // Nothing listens there: every queue command waits for a Redis that does not come.
    api = await createTestApi({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('still answers 202 once the feed is durable; the feed waits PENDING for the sweeper', async () => {
    const tenant = await makeServedTenant(api.prisma);
    const started = Date.now();
    const response = await pushFeed(api, tenant.analystKey, {
      tenantIds: [tenant.tenantId],
      indicators: [{ value: 'durable.example' }],
    });
    expect(response.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(5000);
    const feed = await api.prisma.feed.findUniqueOrThrow({
      where: { id: (response.body as Accepted).feedId },
    });
    expect(feed.status).toBe('PENDING');
    expect(await api.prisma.feedIndicator.count({ where: { feedId: feed.id } })).toBe(1);
  });
});
