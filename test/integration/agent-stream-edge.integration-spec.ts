import { FirewallStatus } from '@threatline/db';
import { CLOSE_CODES, PROTOCOL_VERSION, mdrTenantStreamId } from '@threatline/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { expectConverged, startAgent, startStreamCluster, type StreamCluster } from '../support/agent-stream';
import { makeFirewall, makeGroup, makeTenant } from '../support/factories';

type Upgrade = { kind: 'refused'; status: number; body: string } | { kind: 'open'; socket: WebSocket };

/** Opens a raw socket; resolves with the HTTP refusal or the open socket. */
function upgrade(url: string, credential?: string, options: WebSocket.ClientOptions = {}): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, {
      ...options,
      headers: credential === undefined ? {} : { Authorization: `Bearer ${credential}` },
    });
    socket.on('unexpected-response', (request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        resolve({ kind: 'refused', status: response.statusCode ?? 0, body });
        request.destroy();
      });
    });
    socket.on('open', () => resolve({ kind: 'open', socket }));
    socket.on('error', (error) => {
      if (socket.readyState !== WebSocket.CLOSED) reject(error);
    });
  });
}

function closeOf(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
}

function hello(version: number = PROTOCOL_VERSION): string {
  return JSON.stringify({ type: 'hello', v: version, agent: { version: 'test' }, streams: [] });
}

/**
 * The gateway's edges: who gets a socket at all, and what closes one. Every refusal leaves the
 * process serving the next agent.
 */
describe('agent stream: authentication and bad input', () => {
  let cluster: StreamCluster;
  let url: string;
  let tenantId: string;
  let groupId: string;

  async function firewall(status: FirewallStatus = FirewallStatus.MANAGED) {
    const made = await makeFirewall(cluster.prisma, tenantId, groupId, { status });
    return { ...made, tenantId, groupId, firewallId: made.id };
  }

  async function openSocket(): Promise<WebSocket> {
    const result = await upgrade(url, (await firewall()).credential);
    if (result.kind !== 'open') throw new Error(`refused with ${result.status}`);
    return result.socket;
  }

  async function expectClosedBy(send: (socket: WebSocket) => void, code: number): Promise<string> {
    const socket = await openSocket();
    const closed = closeOf(socket);
    send(socket);
    const { code: actual, reason } = await closed;
    expect(actual).toBe(code);
    return reason;
  }

  beforeAll(async () => {
    cluster = await startStreamCluster({ gateway: { frameBurst: 50, framesPerSecond: 10 } });
    url = cluster.nodes[0]!.streamUrl;
    tenantId = (await makeTenant(cluster.prisma)).id;
    groupId = (await makeGroup(cluster.prisma, tenantId)).id;
  });

  afterAll(async () => {
    await cluster?.close();
  });

  describe('upgrade', () => {
    it('refuses an upgrade without a credential, with a malformed or unknown one: 401, no socket', async () => {
      for (const credential of [undefined, 'not-a-credential', 'tlf_' + 'x'.repeat(43)]) {
        const result = await upgrade(url, credential);
        expect(result).toMatchObject({ kind: 'refused', status: 401 });
        if (result.kind === 'refused')
          expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      }
    });

    it('refuses a revoked credential and a deregistered firewall: 401', async () => {
      const revoked = await firewall();
      await cluster.prisma.firewallCredential.updateMany({
        where: { firewallId: revoked.id },
        data: { revokedAt: new Date() },
      });
      expect(await upgrade(url, revoked.credential)).toMatchObject({ kind: 'refused', status: 401 });
      const gone = await firewall(FirewallStatus.DEREGISTERED);
      expect(await upgrade(url, gone.credential)).toMatchObject({ kind: 'refused', status: 401 });
    });

    it('gives a firewall waiting for approval no stream: 403', async () => {
      const pending = await firewall(FirewallStatus.APPROVAL_PENDING);
      const result = await upgrade(url, pending.credential);
      expect(result).toMatchObject({ kind: 'refused', status: 403 });
      if (result.kind === 'refused')
        expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'APPROVAL_PENDING' } });
    });

    it('has no WebSocket endpoint on other paths: 404', async () => {
      const result = await upgrade(url.replace('/agent/v1', '/agent/v2'), (await firewall()).credential);
      expect(result).toMatchObject({ kind: 'refused', status: 404 });
    });
  });

  describe('frames', () => {
    it('closes on a frame that is not JSON, or not a known message: 4003', async () => {
      expect(await expectClosedBy((s) => s.send('{"type":'), CLOSE_CODES.malformedFrame)).toMatch(/not JSON/);
      expect(
        await expectClosedBy((s) => s.send('{"type":"subscribe","v":1}'), CLOSE_CODES.malformedFrame),
      ).toMatch(/unknown message type/);
      await expectClosedBy(
        (s) => s.send(JSON.stringify({ type: 'hello', v: 1, agent: {}, streams: 'all' })),
        CLOSE_CODES.malformedFrame,
      );
    });

    it('closes on a binary frame, on a message before hello and on a second hello: 4003', async () => {
      await expectClosedBy((s) => s.send(Buffer.from([1, 2, 3])), CLOSE_CODES.malformedFrame);
      const reason = await expectClosedBy(
        (s) =>
          s.send(
            JSON.stringify({ type: 'ack', v: 1, stream: mdrTenantStreamId(tenantId), epoch: 1, seq: 0 }),
          ),
        CLOSE_CODES.malformedFrame,
      );
      expect(reason).toMatch(/first message must be hello/);
      await expectClosedBy((s) => {
        s.send(hello());
        s.send(hello());
      }, CLOSE_CODES.malformedFrame);
    });

    it('closes on a protocol version it does not speak: 4002', async () => {
      expect(await expectClosedBy((s) => s.send(hello(2)), CLOSE_CODES.unsupportedVersion)).toMatch(
        /version 2/,
      );
    });

    it('closes on a frame larger than 1 MiB: 1009', async () => {
      await expectClosedBy((s) => s.send('x'.repeat(1024 * 1024 + 1)), 1009);
    });

    it('closes on a flood of frames: 4004', async () => {
      const stream = mdrTenantStreamId(tenantId);
      await expectClosedBy((s) => {
        s.send(hello());
        const ack = JSON.stringify({ type: 'ack', v: 1, stream, epoch: 1, seq: 0 });
        for (let i = 0; i < 200; i++) s.send(ack);
      }, CLOSE_CODES.flood);
    });

    it('closes a socket that never says hello', async () => {
      expect(await expectClosedBy(() => undefined, CLOSE_CODES.malformedFrame)).toMatch(/no hello/);
    });

    it('drops a peer that stops answering pings', async () => {
      const result = await upgrade(url, (await firewall()).credential, { autoPong: false });
      if (result.kind !== 'open') throw new Error('refused');
      const started = Date.now();
      const closed = closeOf(result.socket);
      result.socket.send(hello());
      expect((await closed).code).toBe(1006);
      // Two heartbeat rounds of 1 s: the first pings, the second finds no pong.
      expect(Date.now() - started).toBeLessThan(3500);
    });

    it('refuses an events batch with an invalid event on its own, and keeps the socket', async () => {
      const socket = await openSocket();
      const messages: unknown[] = [];
      socket.on('message', (data, isBinary) => {
        if (!isBinary) messages.push(JSON.parse((data as Buffer).toString()));
      });
      socket.send(hello());
      socket.send(JSON.stringify({ type: 'events', v: 1, batchId: 'b1', events: [{ id: 'e1' }] }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(messages).toContainEqual(
        expect.objectContaining({ type: 'error', code: 'events_invalid', batchId: 'b1' }),
      );
      expect(socket.readyState).toBe(WebSocket.OPEN);
      socket.close();
    });
  });

  it('stops an agent client for good on a refused credential, and retries one awaiting approval', async () => {
    const refused = startAgent(url, 'tlf_' + 'y'.repeat(43));
    const stopped = await new Promise<{ code: number; reason: string }>((resolve) =>
      refused.once('stopped', resolve),
    );
    expect(stopped.reason).toMatch(/401/);

    const pending = await firewall(FirewallStatus.APPROVAL_PENDING);
    const waiting = startAgent(url, pending.credential);
    const attempts: string[] = [];
    waiting.on('disconnected', ({ reason }) => attempts.push(reason));
    await new Promise((resolve) => setTimeout(resolve, 600));
    await waiting.stop();
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.every((reason) => reason.includes('403'))).toBe(true);
  });

  it('still serves agents after all of that', async () => {
    const good = await firewall();
    const client = startAgent(url, good.credential);
    try {
      await expectConverged(cluster.reader(), client, good);
    } finally {
      await client.stop();
    }
  });
});
