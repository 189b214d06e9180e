import type { Server } from 'node:http';
import { Matcher } from '@threatline/matcher';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../model/settings';
import type { ThreatEvent } from '../events/threat-event';
import { createDecisionServer, listen } from './decision-server';
import { DecisionService } from './decision-service';

interface Answer {
  action?: string;
  error: { code: string; message: string; line: number };
}

const matcher = Matcher.build(
  [
    { type: 'ipv4', value: '203.0.113.9', source: 'MDR', auditId: 'MDR-20261123-AAAAAAAA', dryRun: false },
    { type: 'domain', value: 'evil.example', source: 'MDR', auditId: 'MDR-20261123-BBBBBBBB', dryRun: true },
  ],
  [{ type: 'IP', value: '198.51.100.7' }],
);

describe('decision API', () => {
  const recorded: ThreatEvent[] = [];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const decisions = new DecisionService(() => ({ matcher, settings: DEFAULT_SETTINGS }), {
      record: (events) => recorded.push(...events),
    });
    server = createDecisionServer({ decisions, status: () => ({ connection: 'connected' }) });
    const address = await listen(server, '127.0.0.1', 0);
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const check = (body: string, type = 'application/json') =>
    fetch(`${base}/v1/check`, { method: 'POST', headers: { 'content-type': type }, body });

  it('answers one decision per contract section 7 and records its event with the endpoint', async () => {
    recorded.length = 0;
    const response = await check(
      JSON.stringify({
        direction: 'outbound',
        srcIp: '10.0.0.5',
        dstIp: '203.0.113.9',
        endpoint: { host: 'pc-1', user: 'alice', process: 'curl' },
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      action: 'drop',
      matches: [
        {
          source: 'MDR',
          field: 'dstIp',
          indicator: '203.0.113.9',
          auditId: 'MDR-20261123-AAAAAAAA',
          action: 'drop',
          dryRun: false,
        },
      ],
    });
    expect(recorded).toEqual([
      expect.objectContaining({
        auditId: 'MDR-20261123-AAAAAAAA',
        source: 'MDR',
        module: 'firewall',
        action: 'drop',
        moduleAction: 'LOG_AND_DROP',
        direction: 'outbound',
        field: 'dstIp',
        indicatorType: 'ipv4',
        endpoint: { host: 'pc-1', user: 'alice', process: 'curl' },
      }),
    ]);
    expect(recorded[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs a dry-run match without the endpoint, and allows with excludedBy', async () => {
    recorded.length = 0;
    const dry = await check(
      JSON.stringify({
        direction: 'outbound',
        srcIp: '10.0.0.5',
        dstIp: '192.0.2.1',
        domain: 'a.evil.example',
        endpoint: { host: 'pc-1' },
      }),
    );
    expect(await dry.json()).toMatchObject({ action: 'log', matches: [{ dryRun: true, action: 'log' }] });
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ module: 'dns', dryRun: true, action: 'log' });
    expect(recorded[0]!.endpoint).toBeUndefined();
    const excluded = await check(
      JSON.stringify({ direction: 'outbound', srcIp: '10.0.0.5', dstIp: '198.51.100.7' }),
    );
    expect(await excluded.json()).toEqual({ action: 'allow', matches: [] });
  });

  it('rejects a bad body with a clear 400 and an oversized one with 413', async () => {
    const bad = await check(JSON.stringify({ direction: 'sideways', srcIp: '1.1.1.1', dstIp: '2.2.2.2' }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: { code: 'VALIDATION_FAILED', message: 'direction must be "outbound", "inbound" or "system"' },
    });
    expect((await check('{nope')).status).toBe(400);
    expect(
      (await check(JSON.stringify({ direction: 'outbound', srcIp: 'x', dstIp: 'y', dstip: 'z' }))).status,
    ).toBe(400);
    expect((await check('x'.repeat(70_000))).status).toBe(413);
    expect((await fetch(`${base}/v1/check`)).status).toBe(405);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
  });

  it('answers an NDJSON batch line by line, in order, with error lines that never fail the batch', async () => {
    const lines = [
      JSON.stringify({ direction: 'outbound', srcIp: '10.0.0.5', dstIp: '203.0.113.9' }),
      '{not json',
      '',
      JSON.stringify({ direction: 'inbound', srcIp: '203.0.113.9', dstIp: '10.0.0.5' }),
      JSON.stringify({ direction: 'system', srcIp: '203.0.113.9', dstIp: '10.0.0.1' }),
      JSON.stringify({ direction: 'outbound', srcIp: 1, dstIp: '10.0.0.1' }),
      JSON.stringify({ direction: 'outbound', srcIp: '10.0.0.5', dstIp: '203.0.113.9' }),
    ];
    const response = await check(lines.join('\r\n'), 'application/x-ndjson');
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    const answers = (await response.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Answer);
    expect(answers.map((a) => a.action ?? a.error.code)).toEqual([
      'drop',
      'BAD_JSON',
      'allow',
      'drop',
      'VALIDATION_FAILED',
      'drop',
    ]);
    expect(answers[1]!.error).toMatchObject({ line: 2, message: 'line 2: not JSON' });
    expect(answers[4]!.error.message).toBe('line 5: srcIp must be an address (a string)');
  });

  it('answers a line too long with an error line and goes on with the next', async () => {
    const ok = JSON.stringify({ direction: 'outbound', srcIp: '10.0.0.5', dstIp: '203.0.113.9' });
    const long = JSON.stringify({ direction: 'outbound', srcIp: '1', dstIp: '2', url: 'x'.repeat(100_000) });
    const answers = (await (await check(`${ok}\n${long}\n${ok}\n`, 'application/x-ndjson')).text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Answer);
    expect(answers.map((a) => a.action ?? a.error.code)).toEqual(['drop', 'LINE_TOO_LONG', 'drop']);
  });

  it('streams a large batch with one answer per line', async () => {
    const line = JSON.stringify({ direction: 'outbound', srcIp: '10.0.0.5', dstIp: '192.0.2.44' });
    const body = (line + '\n').repeat(20_000);
    const text = await (await check(body, 'application/x-ndjson')).text();
    expect(text.split('\n').filter(Boolean)).toHaveLength(20_000);
  });

  it('serves its status', async () => {
    expect(await (await fetch(`${base}/v1/status`)).json()).toEqual({ connection: 'connected' });
  });
});
