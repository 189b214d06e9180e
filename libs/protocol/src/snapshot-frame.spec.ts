import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksumArb, entriesArbFor, epochArb, seqArb, streamIdArb } from './arbitraries.test-support';
import { encodeServerMessage, parseServerMessage } from './parse';
import {
  MAX_SNAPSHOT_HEADER_BYTES,
  decodeSnapshotFrame,
  encodeSnapshotBody,
  encodeSnapshotFrame,
  encodeSnapshotText,
  parseSnapshotBody,
  type SnapshotFrameHeader,
} from './snapshot-frame';

const snapshotArb = streamIdArb.chain((stream) =>
  fc.record({
    type: fc.constant('snapshot' as const),
    v: fc.constant(1 as const),
    stream: fc.constant(stream),
    epoch: epochArb,
    seq: seqArb,
    checksum: checksumArb,
    entries: entriesArbFor(stream),
  }),
);

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

describe('binary snapshot frames', () => {
  it('carry the header and the body through unchanged, and validate as a text snapshot would', () => {
    fc.assert(
      fc.property(snapshotArb, ({ entries, ...snapshot }) => {
        const header: SnapshotFrameHeader = { ...snapshot, count: entries.length, encoding: 'identity' };
        const body = bytes(encodeSnapshotBody(entries));
        const decoded = decodeSnapshotFrame(encodeSnapshotFrame(header, body));
        if (!decoded.ok) throw new Error(decoded.error.message);
        expect(decoded.header).toEqual(header);
        expect(decoded.body).toEqual(body);
        expect(parseSnapshotBody(decoded.header, text(decoded.body))).toEqual({
          ok: true,
          message: { ...snapshot, entries },
        });
      }),
    );
  });

  it('refuse truncated frames, oversized headers, bad headers and bodies that do not match the header', () => {
    const header: SnapshotFrameHeader = {
      type: 'snapshot',
      v: 1,
      stream: 'xops',
      epoch: 1,
      seq: 2,
      checksum: '0000000000000000',
      count: 1,
      encoding: 'gzip',
    };
    const frame = encodeSnapshotFrame(header, bytes('[]'));
    const refused = (data: Uint8Array) => {
      const result = decodeSnapshotFrame(data);
      if (result.ok) throw new Error('expected a refusal');
      return result.error.message;
    };
    expect(refused(frame.subarray(0, 3))).toContain('shorter than its 4-byte header length');
    expect(refused(frame.subarray(0, 20))).toContain('shorter than its header length says');
    const huge = new Uint8Array(8);
    new DataView(huge.buffer).setUint32(0, MAX_SNAPSHOT_HEADER_BYTES + 1);
    expect(refused(huge)).toContain('exceeds');
    expect(refused(encodeSnapshotFrame({ ...header, epoch: 0 }, new Uint8Array()))).toContain('epoch');
    const garbage = new Uint8Array([0, 0, 0, 2, 0x7b, 0x7b]);
    expect(decodeSnapshotFrame(garbage)).toMatchObject({ ok: false, error: { code: 'malformed_json' } });
    expect(parseSnapshotBody(header, '[]')).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    expect(parseSnapshotBody(header, '[{')).toMatchObject({ ok: false, error: { code: 'malformed_json' } });
    expect(parseSnapshotBody(header, '[{"key":"ipv4:1.2.3.4"}]')).toMatchObject({ ok: false });
  });

  it('encodeSnapshotText builds the same message as encoding the parsed entries', () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        const textFrame = encodeSnapshotText(snapshot, JSON.stringify(snapshot.entries));
        expect(textFrame).toBe(encodeServerMessage(snapshot));
        expect(parseServerMessage(textFrame)).toEqual({ ok: true, message: snapshot });
      }),
    );
  });
});
