import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  encodeSnapshotFrame,
  type ServerMessage,
  type SnapshotFrameHeader,
} from '@threatline/protocol';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { StreamSocket, type StreamSocketEnd } from './stream-socket';

const FIREWALL_ID = '00000000-0000-4000-8000-000000000001';
const CURSOR = { stream: 'xops', epoch: 1, seq: 7, checksum: '0'.repeat(16) };
const servers: Server[] = [];
const sockets: StreamSocket[] = [];

afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => socket.stop()));
  for (const server of servers.splice(0)) server.close();
});

/** A server that answers each connection with `onConnection`; refuses the upgrade with `refuse` when set. */
async function server(options: {
  refuse?: { status: number; body: string };
  onConnection?: (peer: WebSocket, attempt: number) => void;
}): Promise<{ url: string; hellos: unknown[] }> {
  const http = createServer();
  servers.push(http);
  const wss = new WebSocketServer({ noServer: true });
  const hellos: unknown[] = [];
  let attempt = 0;
  http.on('upgrade', (request, socket, head) => {
    if (options.refuse) {
      socket.end(
        `HTTP/1.1 ${options.refuse.status} Refused\r\ncontent-length: ${options.refuse.body.length}\r\n\r\n${options.refuse.body}`,
      );
      return;
    }
    wss.handleUpgrade(request, socket, head, (peer) => {
      const thisAttempt = attempt++;
      peer.once('message', (data: Buffer) => {
        hellos.push(JSON.parse(data.toString()));
        options.onConnection?.(peer, thisAttempt);
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/agent/v1`, hellos };
}

interface Recorded {
  received: ServerMessage[];
  ends: StreamSocketEnd[];
  violations: string[];
}

const recorder = (): Recorded => ({ received: [], ends: [], violations: [] });

function open(url: string, events: Recorded) {
  const socket = new StreamSocket(
    {
      urls: [url],
      credential: 'secret',
      agentVersion: 'test',
      cursors: () => [CURSOR],
      backoff: { baseMs: 10, capMs: 20 },
    },
    {
      receive: (message) => void events.received.push(message),
      violation: (reason) => void events.violations.push(reason),
      closed: (end) => void events.ends.push(end),
    },
  );
  sockets.push(socket);
  socket.start();
  return socket;
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const welcome = JSON.stringify({
  type: 'welcome',
  v: PROTOCOL_VERSION,
  firewallId: FIREWALL_ID,
  streams: ['xops'],
  pingIntervalMs: 30_000,
});

describe('StreamSocket', () => {
  it('says hello with the cursors held and hands over decoded messages in order', async () => {
    const { url, hellos } = await server({ onConnection: (peer) => peer.send(welcome) });
    const events = recorder();
    open(url, events);
    await until(() => events.received.length === 1);
    expect(hellos).toEqual([
      {
        type: 'hello',
        v: PROTOCOL_VERSION,
        agent: { version: 'test' },
        streams: [CURSOR],
        snapshotFormats: ['entries-v1', 'columns-v1', 'indicators-bin-v1'],
      },
    ]);
    expect(events.received[0]).toMatchObject({ type: 'welcome', firewallId: FIREWALL_ID });
  });

  it('closes on a malformed frame, says why, and connects again after a backoff', async () => {
    const closes: number[] = [];
    const { url, hellos } = await server({
      onConnection: (peer, attempt) => {
        peer.on('close', (code) => closes.push(code));
        peer.send(attempt === 0 ? '{"type":"welcome"' : welcome);
      },
    });
    const events = recorder();
    open(url, events);
    await until(() => events.received.length === 1);
    expect(closes).toEqual([CLOSE_CODES.malformedFrame]);
    expect(events.violations).toHaveLength(1);
    expect(events.ends).toEqual([
      expect.objectContaining({ code: CLOSE_CODES.malformedFrame, stopped: false }),
    ]);
    expect(events.ends[0]!.retryInMs).toBeGreaterThanOrEqual(0);
    expect(hellos).toHaveLength(2);
  });

  it('refuses a snapshot frame of a body format it does not read: closes, says why, hands nothing over', async () => {
    const header = {
      type: 'snapshot',
      v: PROTOCOL_VERSION,
      stream: 'xops',
      epoch: 1,
      seq: 1,
      checksum: '0'.repeat(16),
      count: 0,
      format: 'rows-v7',
      encoding: 'identity',
    } as unknown as SnapshotFrameHeader;
    const closes: number[] = [];
    const { url } = await server({
      onConnection: (peer, attempt) => {
        peer.on('close', (code) => closes.push(code));
        peer.send(welcome);
        if (attempt === 0) peer.send(encodeSnapshotFrame(header, new Uint8Array()));
      },
    });
    const events = recorder();
    open(url, events);
    await until(() => events.received.length === 2);
    expect(closes).toEqual([CLOSE_CODES.malformedFrame]);
    expect(events.violations).toEqual([
      'snapshot header: format: must be a snapshot body format this side reads (entries-v1, columns-v1, indicators-bin-v1)',
    ]);
    expect(events.received.map((message) => message.type)).toEqual(['welcome', 'welcome']);
  });

  it('stops for good when the upgrade is refused with 401, keeping what the server said', async () => {
    const { url } = await server({ refuse: { status: 401, body: 'credential revoked' } });
    const events = recorder();
    open(url, events);
    await until(() => events.ends.length === 1);
    expect(events.ends[0]).toMatchObject({
      refused: { status: 401, body: 'credential revoked' },
      stopped: false,
      retryInMs: null,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events.ends).toHaveLength(1);
  });

  it('stops for good on close code 4001, and stop() ends a running socket with stopped: true', async () => {
    const { url } = await server({
      onConnection: (peer, attempt) => {
        peer.send(welcome);
        if (attempt === 0) peer.close(CLOSE_CODES.credentialRevoked, 'deregistered');
      },
    });
    const revoked = recorder();
    open(url, revoked);
    await until(() => revoked.ends.length === 1);
    expect(revoked.ends[0]).toMatchObject({
      code: CLOSE_CODES.credentialRevoked,
      reason: 'deregistered',
      retryInMs: null,
    });

    const stopped = recorder();
    const socket = open(url, stopped);
    await until(() => stopped.received.length === 1);
    await socket.stop();
    expect(stopped.ends).toEqual([expect.objectContaining({ stopped: true, retryInMs: null })]);
  });
});
