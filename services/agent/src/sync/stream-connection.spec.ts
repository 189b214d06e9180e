import {
  encodeSnapshotBody,
  encodeSnapshotFrame,
  stateChecksumOf,
  type StreamEntry,
} from '@threatline/protocol';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { AgentState } from '../model/agent-state';
import { ioc, makeStreamIds } from '../model/streams.test-support';
import { StreamConnection } from './stream-connection';

const FIREWALL_ID = '00000000-0000-4000-8000-000000000001';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const servers: Server[] = [];
const connections: StreamConnection[] = [];

afterEach(async () => {
  await Promise.all(connections.splice(0).map((connection) => connection.stop()));
  for (const server of servers.splice(0)) server.close();
});

/** A gateway that welcomes the agent to `streams` and then hands the socket to `script`; records what it gets. */
async function gateway(streams: string[], script: (peer: WebSocket) => void) {
  const http = createServer();
  servers.push(http);
  const wss = new WebSocketServer({ server: http });
  const received: { type: string; [field: string]: unknown }[] = [];
  wss.on('connection', (peer) => {
    peer.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string };
      received.push(message);
      if (message.type !== 'hello') return;
      peer.send(
        JSON.stringify({ type: 'welcome', v: 1, firewallId: FIREWALL_ID, streams, pingIntervalMs: 30_000 }),
      );
      script(peer);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/agent/v1`, received };
}

/** A binary columns-v1 snapshot frame, gzip'ed, as the gateway sends it. */
function snapshotFrame(stream: string, entries: StreamEntry[], seq: number, checksum: string): Buffer {
  const body = encodeSnapshotBody(stream, entries);
  const header = {
    type: 'snapshot' as const,
    v: 1 as const,
    stream,
    epoch: 1,
    seq,
    checksum,
    count: entries.length,
    format: body.format,
    encoding: 'gzip' as const,
  };
  return Buffer.from(encodeSnapshotFrame(header, gzipSync(body.text)));
}

function connect(url: string, state: AgentState, saves: number[]): StreamConnection {
  const connection = new StreamConnection({
    url,
    credential: 'tlfw_test',
    agentVersion: 'test',
    state,
    persist: () => {
      saves.push(state.stream([...state.dirty][0] ?? '')?.seq ?? -1);
      return Promise.resolve();
    },
    onChanges: () => undefined,
    log: quiet,
  });
  connections.push(connection);
  connection.start();
  return connection;
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5000) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const probe = { direction: 'outbound' as const, srcIp: '10.0.0.1', dstIp: '203.0.113.9' };

describe('StreamConnection snapshots', () => {
  it('refuses a snapshot whose checksum differs with a clear reason, no ack and nothing changed; takes the good one', async () => {
    const { tenant } = makeStreamIds();
    const entries = [ioc('ipv4', '203.0.113.9'), ioc('domain', 'evil.example')];
    const good = stateChecksumOf(tenant, entries);
    const { url, received } = await gateway([tenant], (peer) => {
      peer.send(snapshotFrame(tenant, entries, 2, '0123456789abcdef'));
    });
    const state = AgentState.empty();
    const saves: number[] = [];
    const connection = connect(url, state, saves);
    await until(() => connection.status.lastError !== null);
    expect(connection.status.lastError).toBe(
      `snapshot of ${tenant} at seq 2: checksum ${good}, the service says 0123456789abcdef`,
    );
    expect(state.stream(tenant)).toMatchObject({ epoch: 0, seq: 0 });
    expect(state.matcher.check(probe, state.settings).action).toBe('allow');
    expect(received.filter((message) => message.type === 'ack')).toEqual([]);
    // Holding a new, empty stream is nothing to save yet.
    expect(saves).toEqual([]);
  });

  it('applies a good snapshot frame, then saves and acknowledges it', async () => {
    const { tenant } = makeStreamIds();
    const entries = [ioc('ipv4', '203.0.113.9'), ioc('domain', 'evil.example')];
    const { url, received } = await gateway([tenant], (peer) => {
      peer.send(snapshotFrame(tenant, entries, 2, stateChecksumOf(tenant, entries)));
    });
    const state = AgentState.empty();
    const saves: number[] = [];
    connect(url, state, saves);
    await until(() => received.some((message) => message.type === 'ack'));
    expect(received.filter((message) => message.type === 'ack')).toEqual([
      { type: 'ack', v: 1, stream: tenant, epoch: 1, seq: 2 },
    ]);
    expect(saves).toEqual([2]);
    expect(state.stream(tenant)).toMatchObject({
      epoch: 1,
      seq: 2,
      checksum: stateChecksumOf(tenant, entries),
    });
    expect(state.matcher.check(probe, state.settings).action).toBe('drop');
  });
});
