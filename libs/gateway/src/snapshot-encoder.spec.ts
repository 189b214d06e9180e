import {
  decodeSnapshotFrame,
  indicatorEntry,
  mdrTenantStreamId,
  parseSnapshotBytes,
  stateChecksumOf,
  type IndicatorEntry,
  type StreamId,
} from '@threatline/protocol';
import { randomUUID } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { SnapshotEncoder } from './snapshot-encoder';
import { snapshotReadOf } from './snapshot-read.test-support';
import { encodeSnapshot, toFormat, type SnapshotRead } from './stream-frames';

const encoder = new SnapshotEncoder(1);
afterAll(() => encoder.close());

/** 100,000 indicators in key order, a third each of domains, IPv4 addresses and URLs, as the reader lays them out. */
function largeSnapshot(): { streamId: StreamId; read: SnapshotRead } {
  const streamId = mdrTenantStreamId(randomUUID());
  const entries: IndicatorEntry[] = [];
  for (let i = 0; i < 100_000; i++) {
    const [type, value]: [IndicatorEntry['type'], string] =
      i % 3 === 0
        ? ['ipv4', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`]
        : i % 3 === 1
          ? ['domain', `host${i}.example${i % 97}.com`]
          : ['url', `http://bad${i % 1000}.example.net/path/${i}/payload.bin`];
    entries.push(indicatorEntry({ type, value, auditId: `MDR-20261124-${i % 7}`, dryRun: i % 11 === 0 }));
  }
  entries.sort((a, b) => (a.key < b.key ? -1 : 1));
  return { streamId, read: snapshotReadOf(streamId, entries) };
}

/** Another agent, as far as the event loop is concerned: a socket whose pings this process answers. */
async function pingingPeer(): Promise<{ server: Server; client: Socket }> {
  const server = createServer((socket) =>
    socket.on('data', () => socket.write('pong')).on('error', () => undefined),
  );
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise<void>((connected) => client.once('connect', connected));
  return { server, client };
}

describe('SnapshotEncoder', () => {
  it("answers another agent's pings at once while it lays out a 100,000-indicator snapshot", async () => {
    const { streamId, read } = largeSnapshot();
    // Once before, so that the worker is started and the test's own garbage is collected: only the work counts.
    await encodeSnapshot(streamId, read, encoder);
    const { server, client } = await pingingPeer();
    try {
      // Ping, wait for the pong, ping again, for as long as the snapshot is being prepared.
      const roundTrips: number[] = [];
      let preparing = true;
      let sentAt = 0;
      const ping = (): void => {
        sentAt = performance.now();
        client.write('ping');
      };
      client.on('data', () => {
        roundTrips.push(performance.now() - sentAt);
        if (preparing) ping();
      });
      const startedAt = performance.now();
      ping();
      const frame = await encodeSnapshot(streamId, read, encoder);
      const preparedMs = performance.now() - startedAt;
      preparing = false;

      // On the event loop, the lay-out alone (most of the preparation) would hold one pong back. Compared with the
      // preparation's own time, not a fixed bound, so that a slower machine does not change the verdict.
      expect(roundTrips.length).toBeGreaterThan(1);
      expect(Math.max(...roundTrips)).toBeLessThan(preparedMs / 4);
      expect(frame.format).toBe('indicators-bin-v1');
      const split = decodeSnapshotFrame(frame.data);
      if (!split.ok) throw new Error(split.error.message);
      const decoded = parseSnapshotBytes(split.header, gunzipSync(split.body));
      expect(decoded.ok && stateChecksumOf(streamId, decoded.message.entries)).toBe(read.checksum);
    } finally {
      client.destroy();
      server.close();
    }
  });

  it("lays out a copy in another format and leaves the caller's frame whole (the copy is transferred, not it)", async () => {
    const { streamId, read } = largeSnapshot();
    const frame = await encodeSnapshot(streamId, read, encoder);
    const before = Buffer.from(frame.data);
    const copy = await toFormat(streamId, frame, 'columns-v1', encoder);
    expect(frame.data.equals(before)).toBe(true);
    expect(copy.format).toBe('columns-v1');
    expect(copy.toSeq).toBe(read.seq);
    const split = decodeSnapshotFrame(copy.data);
    if (!split.ok) throw new Error(split.error.message);
    expect(gunzipSync(split.body).toString()).toBe(read.body.text);
  });

  it('rejects a job that fails with its reason, keeps serving, and refuses jobs once closed', async () => {
    const streamId = mdrTenantStreamId(randomUUID());
    // No thread asked for: one all the same, or the jobs would wait forever.
    const own = new SnapshotEncoder(0);
    await expect(own.inFormat(streamId, new Uint8Array([0, 0, 0, 9, 1]), 'entries-v1')).rejects.toThrow(
      `snapshot of ${streamId} does not decode: binary frame shorter than its header length says`,
    );
    const { read } = largeSnapshot();
    const encoded = await own.indicatorSnapshot(streamId, read, read.count, read.body.text);
    expect(encoded.format).toBe('indicators-bin-v1');
    await own.close();
    await expect(own.indicatorSnapshot(streamId, read, read.count, read.body.text)).rejects.toThrow(
      'snapshot encoder closed',
    );
  });
});
