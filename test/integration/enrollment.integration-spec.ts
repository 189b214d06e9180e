import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditModule } from '@threatline/audit';
import { AuthModule, hashSecret } from '@threatline/auth';
import { PrismaClient } from '@threatline/db';
import { EnrollmentModule } from '@threatline/enrollment';
import { createTestApi, TestApi } from '@threatline/http/testing';
import { makeEnrollmentToken, makeTenantWithKeys, type TenantWithKeys } from '../support/factories';

/** The 201 body of POST /api/v1/enrollments. */
interface Enrolled {
  firewallId: string;
  credential: string;
  streamUrl: string;
}

/** An enrollment token (active, 10 uses, an hour by default), put into any state a test needs. */
async function makeToken(
  prisma: PrismaClient,
  tenantId: string,
  groupId: string,
  state: {
    maxUses?: number;
    uses?: number;
    expiresAt?: Date;
    revokedAt?: Date;
    requireApproval?: boolean;
  } = {},
): Promise<{ id: string; secret: string }> {
  const { uses, revokedAt, ...created } = state;
  const token = await makeEnrollmentToken(prisma, tenantId, groupId, created);
  if (uses !== undefined || revokedAt !== undefined) {
    await prisma.enrollmentToken.update({ where: { id: token.id }, data: { uses, revokedAt } });
  }
  return token;
}

/** Every row an enrollment writes; a refused enrollment must leave all of them unchanged. */
async function enrollmentFootprint(prisma: PrismaClient) {
  const [firewalls, credentials, settings, audit, uses] = await Promise.all([
    prisma.firewall.count(),
    prisma.firewallCredential.count(),
    prisma.firewallSettings.count(),
    prisma.auditLog.count(),
    prisma.enrollmentToken.aggregate({ _sum: { uses: true } }),
  ]);
  return { firewalls, credentials, settings, audit, uses: uses._sum.uses ?? 0 };
}

describe('POST /api/v1/enrollments and GET /api/v1/agent/self', () => {
  let api: TestApi;
  let tenant: TenantWithKeys;
  let serialCounter = 0;
  const nextSerial = () => `SN-${process.pid}-${++serialCounter}`;

  beforeAll(async () => {
    api = await createTestApi({ imports: [AuthModule, AuditModule, EnrollmentModule] });
    tenant = await makeTenantWithKeys(api.prisma);
  });

  afterAll(async () => {
    await api?.close();
  });

  const enroll = (body: unknown) => api.http.post('/api/v1/enrollments').send(body as object);
  const self = (credential: string) =>
    api.http.get('/api/v1/agent/self').set('Authorization', `Bearer ${credential}`);

  it('enrolls a firewall into the token group with default settings and a credential that works', async () => {
    const token = await makeToken(api.prisma, tenant.tenantId, tenant.groupId);
    const response = await enroll({
      token: token.secret,
      serial: 'X21000ABC123',
      hostname: 'edge-berlin.example.net',
      model: 'XGS 2100',
      version: 'SFOS 21.0.1 MR-1',
    });

    expect(response.status).toBe(201);
    const { firewallId, credential, streamUrl } = response.body as Enrolled;
    expect(Object.keys(response.body as object).sort()).toEqual(['credential', 'firewallId', 'streamUrl']);
    expect(credential).toMatch(/^tlf_[A-Za-z0-9_-]{43}$/);
    expect(streamUrl).toBe(api.config.streamUrl);

    const firewall = await api.prisma.firewall.findUniqueOrThrow({
      where: { id: firewallId },
      include: { settings: true, credentials: true },
    });
    expect(firewall).toMatchObject({
      tenantId: tenant.tenantId,
      groupId: tenant.groupId,
      serial: 'X21000ABC123',
      hostname: 'edge-berlin.example.net',
      model: 'XGS 2100',
      firmwareVersion: 'SFOS 21.0.1 MR-1',
      status: 'MANAGED',
      enrollmentTokenId: token.id,
    });
    expect(firewall.settings).toMatchObject({
      mdrEnabled: true,
      mdrAction: 'LOG_AND_DROP',
      xopsEnabled: false,
    });
    // Only the hash of the credential is kept.
    expect(firewall.credentials.map((c) => c.secretHash)).toEqual([hashSecret(credential)]);
    const recorded = await api.prisma.auditLog.findMany({ select: { before: true, after: true } });
    expect(JSON.stringify(recorded)).not.toContain(credential);

    const audit = await api.prisma.auditLog.findFirstOrThrow({ where: { entityId: firewallId } });
    expect(audit).toMatchObject({
      action: 'firewall.enroll',
      actorType: 'ENROLLMENT_TOKEN',
      actorId: token.id,
      tenantId: tenant.tenantId,
    });
    expect(audit.requestId).toBeTruthy();
    expect((await api.prisma.enrollmentToken.findUniqueOrThrow({ where: { id: token.id } })).uses).toBe(1);

    const me = await self(credential);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      firewallId,
      tenantId: tenant.tenantId,
      groupId: tenant.groupId,
      serial: 'X21000ABC123',
      hostname: 'edge-berlin.example.net',
      status: 'MANAGED',
      settings: {
        mdr: { enabled: true, action: 'LOG_AND_DROP' },
        xops: { enabled: false, action: 'LOG_AND_DROP' },
        localReporting: true,
        centralReporting: true,
      },
    });
  });

  it('gives exactly one firewall for 50 concurrent redemptions of a 1-use token', async () => {
    const token = await makeToken(api.prisma, tenant.tenantId, tenant.groupId, { maxUses: 1 });
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => enroll({ token: token.secret, serial: `RACE1-${i}` })),
    );

    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    const refused = responses.filter((r) => r.status !== 201);
    expect(
      new Set(refused.map((r) => `${r.status} ${(r.body as { error: { code: string } }).error.code}`)),
    ).toEqual(new Set(['403 ENROLLMENT_TOKEN_EXHAUSTED']));
    expect(await api.prisma.firewall.count({ where: { enrollmentTokenId: token.id } })).toBe(1);
    expect((await api.prisma.enrollmentToken.findUniqueOrThrow({ where: { id: token.id } })).uses).toBe(1);
  });

  it('gives exactly three firewalls for 10 concurrent redemptions of a 3-use token', async () => {
    const token = await makeToken(api.prisma, tenant.tenantId, tenant.groupId, { maxUses: 3 });
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => enroll({ token: token.secret, serial: `RACE3-${i}` })),
    );

    expect(responses.filter((r) => r.status === 201)).toHaveLength(3);
    expect(responses.filter((r) => r.status === 403)).toHaveLength(7);
    expect(await api.prisma.firewall.count({ where: { enrollmentTokenId: token.id } })).toBe(3);
    expect((await api.prisma.enrollmentToken.findUniqueOrThrow({ where: { id: token.id } })).uses).toBe(3);
  });

  it.each([
    ['an expired', { expiresAt: new Date(Date.now() - 1000) }, 403, 'ENROLLMENT_TOKEN_EXPIRED'],
    ['a revoked', { revokedAt: new Date() }, 403, 'ENROLLMENT_TOKEN_REVOKED'],
    ['a used-up', { maxUses: 2, uses: 2 }, 403, 'ENROLLMENT_TOKEN_EXHAUSTED'],
  ])('refuses %s token and creates nothing', async (_label, overrides, status, code) => {
    const token = await makeToken(api.prisma, tenant.tenantId, tenant.groupId, overrides);
    const before = await enrollmentFootprint(api.prisma);

    const response = await enroll({ token: token.secret, serial: nextSerial() });

    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ error: { code } });
    expect(await enrollmentFootprint(api.prisma)).toEqual(before);
  });

  it.each([
    ['an unknown token', 'tle_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['a malformed token', 'not-a-token'],
    ['an API key in place of a token', 'tlk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('answers %s with 401 ENROLLMENT_TOKEN_INVALID', async (_label, secret) => {
    const before = await enrollmentFootprint(api.prisma);
    const response = await enroll({ token: secret, serial: nextSerial() });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: { code: 'ENROLLMENT_TOKEN_INVALID' } });
    expect(await enrollmentFootprint(api.prisma)).toEqual(before);
  });

  it('refuses a serial a live firewall holds, keeps the token use, and frees it on deregistration', async () => {
    const token = await makeToken(api.prisma, tenant.tenantId, tenant.groupId, { maxUses: 5 });
    const first = await enroll({ token: token.secret, serial: 'DUP-SERIAL-1' });
    expect(first.status).toBe(201);
    const before = await enrollmentFootprint(api.prisma);

    const again = await enroll({ token: token.secret, serial: 'DUP-SERIAL-1' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      error: { code: 'FIREWALL_SERIAL_TAKEN', details: { field: 'serial' } },
    });
    // The transaction rolled back: the token use and every row with it.
    expect(await enrollmentFootprint(api.prisma)).toEqual(before);

    const { firewallId, credential } = first.body as Enrolled;
    const deregistered = await api.graphql(
      'mutation($id: ID!) { deregisterFirewall(firewallId: $id) { status } }',
      { id: firewallId },
      tenant.adminKey,
    );
    expect(deregistered.errors).toBeUndefined();
    expect((await self(credential)).status).toBe(401);

    const reenrolled = await enroll({ token: token.secret, serial: 'DUP-SERIAL-1' });
    expect(reenrolled.status).toBe(201);
    expect((await self((reenrolled.body as Enrolled).credential)).status).toBe(200);
  });

  it('lets exactly one of 10 concurrent enrollments of one serial win', async () => {
    const token = await makeToken(api.prisma, tenant.tenantId, tenant.groupId, { maxUses: 10 });
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => enroll({ token: token.secret, serial: 'SAME-SERIAL-RACE' })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([201, ...Array<number>(9).fill(409)]);
    expect((await api.prisma.enrollmentToken.findUniqueOrThrow({ where: { id: token.id } })).uses).toBe(1);
  });

  it('leaves a firewall enrolled with an approval-requiring token APPROVAL_PENDING until approved', async () => {
    const token = await makeToken(api.prisma, tenant.tenantId, tenant.groupId, { requireApproval: true });
    const response = await enroll({ token: token.secret, serial: nextSerial() });
    expect(response.status).toBe(201);
    const { firewallId, credential } = response.body as Enrolled;
    expect((await self(credential)).body).toMatchObject({ status: 'APPROVAL_PENDING' });

    const approved = await api.graphql(
      'mutation($id: ID!) { approveFirewall(firewallId: $id) { status } }',
      { id: firewallId },
      tenant.adminKey,
    );
    expect(approved.data).toEqual({ approveFirewall: { status: 'MANAGED' } });
    expect((await self(credential)).body).toMatchObject({ status: 'MANAGED' });
  });

  describe('bad input', () => {
    let secret: string;
    beforeAll(async () => {
      secret = (await makeToken(api.prisma, tenant.tenantId, tenant.groupId, { maxUses: 100 })).secret;
    });

    it.each<[string, (token: string) => unknown, string]>([
      ['a missing token', () => ({ serial: 'OK-1' }), 'token'],
      ['a missing serial', (token) => ({ token }), 'serial'],
      ['an unknown field', (token) => ({ token, serial: 'OK-1', tenantId: 'x' }), 'tenantId'],
      ['a 65-character serial', (token) => ({ token, serial: 'S'.repeat(65) }), 'serial'],
      ['an empty serial', (token) => ({ token, serial: '' }), 'serial'],
      ['a serial with a space', (token) => ({ token, serial: 'AB 12' }), 'serial'],
      ['a numeric serial', (token) => ({ token, serial: 12345 }), 'serial'],
      [
        'a 254-character hostname',
        (token) => ({ token, serial: 'OK-1', hostname: 'h'.repeat(254) }),
        'hostname',
      ],
      ['a hostname with a slash', (token) => ({ token, serial: 'OK-1', hostname: 'a/b' }), 'hostname'],
      ['a 65-character model', (token) => ({ token, serial: 'OK-1', model: 'M'.repeat(65) }), 'model'],
      ['a version with a newline', (token) => ({ token, serial: 'OK-1', version: '1.0\n2.0' }), 'version'],
      ['a null hostname', (token) => ({ token, serial: 'OK-1', hostname: null }), 'hostname'],
      ['an array body', (token) => [token], '(body)'],
    ])('refuses %s with 400 naming the field, and changes nothing', async (_label, body, field) => {
      const before = await enrollmentFootprint(api.prisma);
      const response = await enroll(body(secret));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field } } });
      expect((response.body as { error: { message: string } }).error.message).toContain(field);
      expect(await enrollmentFootprint(api.prisma)).toEqual(before);
    });

    it('names every wrong field at once', async () => {
      const response = await enroll({ serial: 'bad serial!', extra: 1 });
      expect(response.status).toBe(400);
      const problems = (response.body as { error: { details: { problems: { field: string }[] } } }).error
        .details.problems;
      expect(problems.map((p) => p.field).sort()).toEqual(['extra', 'serial', 'token']);
    });

    it('accepts a body of exactly the largest allowed fields', async () => {
      const response = await enroll({
        token: secret,
        serial: 'L'.repeat(64),
        hostname: 'h'.repeat(253),
        model: 'M'.repeat(64),
        version: 'V'.repeat(64),
      });
      expect(response.status).toBe(201);
    });
  });

  describe('GET /api/v1/agent/self', () => {
    it.each([
      ['no credential', undefined],
      ['an unknown credential', 'tlf_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['an enrollment token', 'tle_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ])('answers %s with 401', async (_label, credential) => {
      const request = api.http.get('/api/v1/agent/self');
      const response =
        credential === undefined ? await request : await request.set('Authorization', `Bearer ${credential}`);
      expect(response.status).toBe(401);
    });

    it('answers an API key with 401: agent routes take firewall credentials only', async () => {
      expect((await self(tenant.adminKey)).status).toBe(401);
    });
  });
});
