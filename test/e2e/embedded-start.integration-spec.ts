import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, RunningProcess, startNode, waitFor } from '../support/processes';

/**
 * `npm start` on an empty DATA_DIR: the built standalone process comes up on embedded
 * PostgreSQL (PGlite) with in-process queues, seeds the demo tenant once, answers GraphQL
 * with the seeded admin key, and keeps everything across a restart. A second process on the
 * same DATA_DIR is refused (two would corrupt the database); a killed one does not block a restart.
 */
const entry = resolve(__dirname, '../../services/standalone/dist/main.js');

describe('embedded mode (npm start)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'threatline-embedded-'));
  let running: RunningProcess | undefined;

  afterAll(async () => {
    await running?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(port: number): Promise<RunningProcess> {
    const process = startNode(entry, {
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
      120_000,
      `the standalone process to be ready:\n${process.output()}`,
    );
    return process;
  }

  async function graphql(port: number, key: string, query: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  }

  it('comes up, seeds, answers with the seeded keys, and keeps its data across a restart', async () => {
    const port = await freePort();
    running = await start(port);
    expect(running.output()).toContain(`http://localhost:${port}`);
    expect(running.output()).toContain(join(dataDir, 'demo-credentials.json'));

    const credentialsFile = join(dataDir, 'demo-credentials.json');
    const credentials = JSON.parse(readFileSync(credentialsFile, 'utf8')) as Record<string, string>;
    expect(Object.keys(credentials).sort()).toEqual(
      [
        'adminApiKey',
        'analystApiKey',
        'apiUrl',
        'enrollmentToken',
        'groupId',
        'operatorApiKey',
        'streamUrl',
        'tenantId',
      ].sort(),
    );

    const viewer = await graphql(
      port,
      credentials.adminApiKey!,
      '{ viewer { role tenantId } firewallGroups { id } }',
    );
    expect(viewer.errors).toBeUndefined();
    expect(viewer.data).toEqual({
      viewer: { role: 'FLEET_ADMIN', tenantId: credentials.tenantId },
      firewallGroups: [{ id: credentials.groupId }],
    });
    const analyst = await graphql(port, credentials.analystApiKey!, '{ viewer { role } }');
    expect(analyst.data).toEqual({ viewer: { role: 'MDR_ANALYST' } });
    const operator = await graphql(port, credentials.operatorApiKey!, '{ tenants { id } }');
    expect(operator.data).toEqual({ tenants: [{ id: credentials.tenantId }] });

    const enrolled = await fetch(`http://127.0.0.1:${port}/api/v1/enrollments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: credentials.enrollmentToken, serial: 'EMBEDDED-1', hostname: 'fw-1' }),
    });
    expect(enrolled.status).toBe(201);

    // A second process on the same DATA_DIR stops before opening the database, and says why.
    const second = startNode(entry, {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    await waitFor(
      () => Promise.resolve(second.child.exitCode !== null || second.child.signalCode !== null),
      60_000,
      `the second process to give up:\n${second.output()}`,
    );
    expect(second.child.exitCode).toBe(1);
    expect(second.output()).toContain(`DATA_DIR ${dataDir} is in use by process ${running.child.pid}`);
    expect(
      (await graphql(port, credentials.adminApiKey!, '{ firewallGroups { id } }')).errors,
    ).toBeUndefined();

    expect(await running.stop('SIGTERM')).toBe(0);
    running = await start(port);
    expect(readFileSync(credentialsFile, 'utf8')).toBe(JSON.stringify(credentials, null, 2) + '\n');
    const after = await graphql(
      port,
      credentials.adminApiKey!,
      '{ firewalls { edges { node { serial } } } }',
    );
    expect(after.data).toEqual({ firewalls: { edges: [{ node: { serial: 'EMBEDDED-1' } }] } });
    const tenants = await graphql(port, credentials.operatorApiKey!, '{ tenants { id } }');
    expect(tenants.data).toEqual({ tenants: [{ id: credentials.tenantId }] });

    // Killed without a shutdown, it leaves its lock behind: a restart takes it over.
    await running.stop('SIGKILL');
    running = await start(port);
    const afterKill = await graphql(
      port,
      credentials.adminApiKey!,
      '{ firewalls { edges { node { serial } } } }',
    );
    expect(afterKill.data).toEqual({ firewalls: { edges: [{ node: { serial: 'EMBEDDED-1' } }] } });
  }, 300_000);
});
