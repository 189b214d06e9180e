import {
  decodeSnapshotFrame,
  indicatorEntry,
  mdrTenantStreamId,
  parseSnapshotBody,
  parseSnapshotBytes,
  PROTOCOL_VERSION,
  stateChecksumOf,
  type StreamEntry,
  type StreamId,
} from '@threatline/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { gunzipSync } from 'node:zlib';
import { startStreamCluster, type StreamCluster } from '../support/agent-stream';
import { makeFirewall, makeGroup, makeTenant } from '../support/factories';

interface ReceivedSnapshot {
  header: Record<string, unknown>;
  body: string;
  bytes: Buffer;
}

/**
 * Snapshot body formats are negotiated: an agent names in hello the formats it reads, and one
 * that names none (an agent from before formats were named) gets `entries-v1` frames whose
 * header has no `format`, exactly as before; one from before indicators-bin-v1 gets columns-v1.
 * A gateway upgrade never cuts off the fleet.
 */
describe('agent stream: snapshot body formats', () => {
  let cluster: StreamCluster;
  let credential: string;
  let mdr: StreamId;
  const entries: StreamEntry[] = [];

  /** Connects with the given hello extras and returns the MDR stream's snapshot frame, undecoded. */
  async function snapshotFor(extra: Record<string, unknown>): Promise<ReceivedSnapshot> {
    const socket = new WebSocket(cluster.nodes[0]!.streamUrl, {
      headers: { Authorization: `Bearer ${credential}` },
    });
    try {
      const frame = await new Promise<Buffer>((resolve, reject) => {
        socket.on('open', () =>
          socket.send(
            JSON.stringify({
              type: 'hello',
              v: PROTOCOL_VERSION,
              agent: { version: 'test' },
              streams: [],
              ...extra,
            }),
          ),
        );
        socket.on('message', (data: Buffer, isBinary) => {
          if (isBinary && data.includes(Buffer.from(`"stream":"${mdr}"`))) resolve(data);
        });
        socket.on('close', (code, reason) => reject(new Error(`closed ${code}: ${reason.toString()}`)));
        socket.on('error', reject);
      });
      const headerLength = frame.readUInt32BE(0);
      const header = JSON.parse(frame.subarray(4, 4 + headerLength).toString()) as Record<string, unknown>;
      const raw = frame.subarray(4 + headerLength);
      const bytes = header.encoding === 'gzip' ? gunzipSync(raw) : raw;
      return { header, body: bytes.toString(), bytes };
    } finally {
      socket.close();
    }
  }

  beforeAll(async () => {
    cluster = await startStreamCluster();
    const tenantId = (await makeTenant(cluster.prisma)).id;
    const groupId = (await makeGroup(cluster.prisma, tenantId)).id;
    credential = (await makeFirewall(cluster.prisma, tenantId, groupId)).credential;
    mdr = mdrTenantStreamId(tenantId);
    // Enough entries for a gzip'ed body, with two audit IDs and a dry run.
    for (let i = 0; i < 300; i++) {
      entries.push(
        indicatorEntry({
          type: i % 3 === 0 ? 'domain' : 'ipv4',
          value: i % 3 === 0 ? `host-${i}.example.com` : `10.1.${Math.floor(i / 200)}.${i % 200}`,
          auditId: i % 2 === 0 ? 'MDR-20261123-FORMATSA' : 'MDR-20261123-FORMATSB',
          dryRun: i % 7 === 0,
        }),
      );
    }
    await cluster.append(
      mdr,
      entries.map((entry) => ({ op: 'upsert', key: entry.key, entry })),
    );
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('sends an agent that names no formats an entries-v1 body under a header without `format`', async () => {
    const { header, body } = await snapshotFor({});
    expect(header).not.toHaveProperty('format');
    expect(header.encoding).toBe('gzip');
    const sent = JSON.parse(body) as StreamEntry[];
    expect(sent).toHaveLength(entries.length);
    expect(new Set(sent.map((entry) => entry.key))).toEqual(new Set(entries.map((entry) => entry.key)));
    // The state it holds is the stream's: the header's checksum is that of the entries sent.
    expect(stateChecksumOf(mdr, sent)).toBe(header.checksum);
    expect(stateChecksumOf(mdr, entries)).toBe(header.checksum);
  });

  it('sends indicators-bin-v1 to an agent that reads it: the same entries, the same checksum', async () => {
    const { header, bytes } = await snapshotFor({
      snapshotFormats: ['entries-v1', 'columns-v1', 'indicators-bin-v1'],
    });
    expect(header.format).toBe('indicators-bin-v1');
    const decoded = parseSnapshotBytes(decodeSnapshotHeader(header), bytes);
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(stateChecksumOf(mdr, decoded.message.entries)).toBe(header.checksum);
    const byKey = (a: StreamEntry, b: StreamEntry) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    expect([...decoded.message.entries].sort(byKey)).toEqual([...entries].sort(byKey));
  });

  it('sends columns-v1 to an agent that reads it and not indicators-bin-v1, ignoring format names it does not know', async () => {
    const { header, body } = await snapshotFor({
      snapshotFormats: ['columns-v9', 'columns-v1', 'entries-v1'],
    });
    expect(header.format).toBe('columns-v1');
    const decoded = parseSnapshotBody(decodeSnapshotHeader(header), body);
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(stateChecksumOf(mdr, decoded.message.entries)).toBe(header.checksum);
    expect(decoded.message.entries).toHaveLength(entries.length);
  });

  it('sends entries-v1 to an agent that names only entries-v1', async () => {
    const { header, body } = await snapshotFor({ snapshotFormats: ['entries-v1'] });
    expect(header).not.toHaveProperty('format');
    expect(JSON.parse(body)).toHaveLength(entries.length);
  });
});

/** The header as the protocol validates it (so the test reads the body as an agent would). */
function decodeSnapshotHeader(header: Record<string, unknown>) {
  const bytes = Buffer.from(JSON.stringify(header));
  const frame = Buffer.alloc(4 + bytes.length);
  frame.writeUInt32BE(bytes.length, 0);
  bytes.copy(frame, 4);
  const decoded = decodeSnapshotFrame(frame);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.header;
}
