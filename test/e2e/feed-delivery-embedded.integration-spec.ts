import { AgentClient } from '@threatline/agent-client';
import { mdrTenantStreamId, XOPS_STREAM_ID } from '@threatline/protocol';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, RunningProcess, startNode, waitFor } from '../support/processes';

/**
 * The feed data path end to end in embedded mode (`npm start`: PGlite, in-process queues): an analyst's push
 * reaches a real agent client over the WebSocket, exactly normalized; TTL expiry and revocation remove it; the
 * delivery status counts the agent's acknowledgement; an X-Ops import lands on the global stream.
 */
const entry = resolve(__dirname, '../../services/standalone/dist/main.js');

describe('feed delivery in embedded mode', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'threatline-feeds-embedded-'));
  let running: RunningProcess | undefined;
  let agent: AgentClient | undefined;

  afterAll(async () => {
    await agent?.stop();
    await running?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('pushes to an agent, expires, revokes and counts delivery', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    running = startNode(entry, {
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    await waitFor(async () => (await fetch(`${base}/readyz`)).ok, 90_000, `readiness:\n${running.output()}`);
    const credentials = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as Record<
      string,
      string
    >;
    const call = async (method: string, path: string, key: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
          authorization: `Bearer ${key}`,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    const enrolled = await fetch(`${base}/api/v1/enrollments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: credentials.enrollmentToken, serial: 'FEEDS-E2E-1' }),
    });
    expect(enrolled.status).toBe(201);
    const { credential } = (await enrolled.json()) as { credential: string };
    agent = new AgentClient({ url: `ws://127.0.0.1:${port}/agent/v1`, credential });
    agent.start();
    const tenantStream = mdrTenantStreamId(credentials.tenantId!);
    const held = (streamId: string) => [...(agent!.state.stream(streamId)?.entries.values() ?? [])];
    const keysHeld = (streamId: string) =>
      held(streamId)
        .map((entry) => entry.key)
        .sort();
    const until = (what: string, probe: () => boolean) =>
      waitFor(() => Promise.resolve(probe()), 30_000, `${what}:\n${running!.output()}`);

    const push = await call('POST', '/api/v1/feeds', credentials.analystApiKey!, {
      tenantIds: [credentials.tenantId],
      indicators: [
        { value: 'HTTP://Evil.example:80/dl/../x.exe' },
        { value: '203.0.113.9', ttlSeconds: 1 },
        { value: 'EVIL.example.' },
        { value: 'not an indicator' },
      ],
    });
    expect(push.status).toBe(202);
    expect(push.body.accepted).toBe(3);
    const { feedId, auditId } = push.body as { feedId: string; auditId: string };
    await until('the agent to hold the push', () => keysHeld(tenantStream).length === 3);
    expect(held(tenantStream).sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'domain:evil.example', type: 'domain', value: 'evil.example', auditId, dryRun: false },
      { key: 'ipv4:203.0.113.9', type: 'ipv4', value: '203.0.113.9', auditId, dryRun: false },
      { key: 'url:evil.example/x.exe', type: 'url', value: 'evil.example/x.exe', auditId, dryRun: false },
    ]);

    await until('the TTL to expire on the agent', () => !keysHeld(tenantStream).includes('ipv4:203.0.113.9'));
    expect(keysHeld(tenantStream)).toEqual(['domain:evil.example', 'url:evil.example/x.exe']);

    await waitFor(
      async () => {
        const view = await call('GET', `/api/v1/feeds/${feedId}`, credentials.analystApiKey!);
        const delivery = view.body.delivery as { targetedFirewalls: number; appliedFirewalls: number };
        return delivery.targetedFirewalls === 1 && delivery.appliedFirewalls === 1;
      },
      30_000,
      'the delivery status to count the agent',
    );

    const xops = await call(
      'POST',
      '/api/v1/xops/imports',
      credentials.operatorApiKey!,
      '||xops.example^$all\n1.1.1.1\n',
    );
    expect(xops.status).toBe(202);
    await until('the agent to hold the X-Ops import', () => keysHeld(XOPS_STREAM_ID).length === 2);

    const revoke = await call('DELETE', `/api/v1/feeds/${feedId}`, credentials.analystApiKey!);
    expect(revoke.status).toBe(202);
    await until('the revocation to reach the agent', () => keysHeld(tenantStream).length === 0);
    expect(agent.stats.mismatches).toBe(0);
  }, 300_000);
});
