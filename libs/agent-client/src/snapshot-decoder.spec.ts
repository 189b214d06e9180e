import {
  encodeSnapshotBody,
  encodeSnapshotFrame,
  indicatorEntry,
  mdrTenantStreamId,
  stateChecksumOf,
  type SnapshotFrameHeader,
} from '@threatline/protocol';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeSnapshot } from './snapshot-decoder';
import { StreamState } from './stream-state';

const STREAM = mdrTenantStreamId('0b8f3a52-6f5e-4c1e-9d0b-1f2a3b4c5d6e');
const entries = Array.from({ length: 300 }, (_, i) =>
  indicatorEntry({
    type: i % 2 === 0 ? 'domain' : 'url',
    value: i % 2 === 0 ? `host${i}.example` : `http://bad.example/${i}:x`,
    auditId: i % 3 === 0 ? 'MDR-20261123-AAAAAAAA' : 'MDR-20261124-BBBBBBBB',
    dryRun: i % 5 === 0,
  }),
);

function frame(overrides: Partial<SnapshotFrameHeader> = {}, body?: Buffer): Buffer {
  const { format, text } = encodeSnapshotBody(STREAM, entries);
  const header: SnapshotFrameHeader = {
    type: 'snapshot',
    v: 1,
    stream: STREAM,
    epoch: 3,
    seq: 40,
    checksum: stateChecksumOf(STREAM, entries),
    count: entries.length,
    format,
    encoding: 'gzip',
    ...overrides,
  };
  return Buffer.from(encodeSnapshotFrame(header, body ?? gzipSync(text)));
}

async function refusal(data: Buffer): Promise<string> {
  const decoded = await decodeSnapshot(data);
  if (decoded.ok) throw new Error('expected a refusal');
  return decoded.error.message;
}

describe('decodeSnapshot', () => {
  it('decodes a gzip columns frame into entries that sum to the header checksum', async () => {
    const decoded = await decodeSnapshot(frame());
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(decoded.message).toMatchObject({ stream: STREAM, epoch: 3, seq: 40 });
    expect(decoded.message.entries).toEqual(entries);
    expect(new StreamState(STREAM).applySnapshot(decoded.message)).toBe(decoded.message.checksum);
  });

  it('decodes an identity body too', async () => {
    const { text } = encodeSnapshotBody(STREAM, entries);
    const decoded = await decodeSnapshot(frame({ encoding: 'identity' }, Buffer.from(text)));
    expect(decoded).toMatchObject({ ok: true, message: { entries } });
  });

  it('refuses a truncated body, a wrong count, a bad entry and an unknown format with a clear error', async () => {
    const gzipped = gzipSync(encodeSnapshotBody(STREAM, entries).text);
    expect(await refusal(frame({}, gzipped.subarray(0, gzipped.length - 20)))).toContain('snapshot body');
    expect(await refusal(frame({ count: 301 }))).toContain('keys: must be an array of 301 items');
    const bad = encodeSnapshotBody(STREAM, entries).text.replace(
      '"domain:host0.example"',
      '"ip:host0.example"',
    );
    expect(await refusal(frame({}, gzipSync(bad)))).toContain('entries[0].type: must be one of');
    const future = frame({ format: 'columns-v9' as SnapshotFrameHeader['format'] });
    expect(await refusal(future)).toContain('format: must be a snapshot body format this side reads');
  });
});
