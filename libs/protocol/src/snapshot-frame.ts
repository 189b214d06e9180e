// A snapshot may travel as one binary frame instead of a JSON text, so its body can be compressed:
//   [4-byte big-endian header length][header: UTF-8 JSON][body: the JSON array of entries, encoded per header]
// Compression itself (gzip) is I/O-side work done by the gateway and the agent; this module only lays out and
// validates the bytes, so it stays plain TypeScript.

import { z } from 'zod';
import { PROTOCOL_VERSION, type SnapshotMessage } from './messages';
import { validateServerMessage, type ParseResult, type ProtocolError } from './parse';
import { isStreamId } from './stream-ids';

/** Bound on the header, far above any real one (about 200 bytes). */
export const MAX_SNAPSHOT_HEADER_BYTES = 4096;

export const snapshotFrameHeaderSchema = z.strictObject({
  type: z.literal('snapshot'),
  v: z.literal(PROTOCOL_VERSION),
  stream: z.string().max(64).refine(isStreamId, 'must be a stream id'),
  epoch: z.number().int().min(1).max(2147483647),
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  checksum: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex digits'),
  /** How many entries the body holds. */
  count: z.number().int().min(0),
  /** How the body's JSON bytes are encoded. */
  encoding: z.enum(['gzip', 'identity']),
});

export type SnapshotFrameHeader = z.infer<typeof snapshotFrameHeaderSchema>;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeSnapshotFrame(header: SnapshotFrameHeader, body: Uint8Array): Uint8Array {
  const headerBytes = encoder.encode(JSON.stringify(header));
  const frame = new Uint8Array(4 + headerBytes.length + body.length);
  new DataView(frame.buffer).setUint32(0, headerBytes.length, false);
  frame.set(headerBytes, 4);
  frame.set(body, 4 + headerBytes.length);
  return frame;
}

/** The JSON text of a snapshot body (before the gateway encodes it per `header.encoding`). */
export function encodeSnapshotBody(entries: SnapshotMessage['entries']): string {
  return JSON.stringify(entries);
}

/** Splits a binary frame into its validated header and its (still encoded) body. */
export function decodeSnapshotFrame(
  frame: Uint8Array,
): { ok: true; header: SnapshotFrameHeader; body: Uint8Array } | { ok: false; error: ProtocolError } {
  if (frame.length < 4) return invalid('binary frame shorter than its 4-byte header length');
  const headerLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, false);
  if (headerLength > MAX_SNAPSHOT_HEADER_BYTES) {
    return invalid(`snapshot header of ${headerLength} bytes exceeds ${MAX_SNAPSHOT_HEADER_BYTES}`);
  }
  if (4 + headerLength > frame.length) return invalid('binary frame shorter than its header length says');
  let header: unknown;
  try {
    header = JSON.parse(decoder.decode(frame.subarray(4, 4 + headerLength)));
  } catch (error) {
    return {
      ok: false,
      error: { code: 'malformed_json', message: `snapshot header: ${(error as Error).message}`, issues: [] },
    };
  }
  const parsed = snapshotFrameHeaderSchema.safeParse(header);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(`snapshot header: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
  }
  return { ok: true, header: parsed.data, body: frame.subarray(4 + headerLength) };
}

/** The snapshot message of a header and its decoded body text, validated like a text snapshot. */
export function parseSnapshotBody(
  header: SnapshotFrameHeader,
  bodyText: string,
): ParseResult<SnapshotMessage> {
  let entries: unknown;
  try {
    entries = JSON.parse(bodyText);
  } catch (error) {
    return {
      ok: false,
      error: { code: 'malformed_json', message: `snapshot body: ${(error as Error).message}`, issues: [] },
    };
  }
  if (!Array.isArray(entries) || entries.length !== header.count) {
    return invalid(`snapshot body must be an array of ${header.count} entries`);
  }
  const result = validateServerMessage({
    type: 'snapshot',
    v: header.v,
    stream: header.stream,
    epoch: header.epoch,
    seq: header.seq,
    checksum: header.checksum,
    entries,
  });
  if (!result.ok) return result;
  return { ok: true, message: result.message as SnapshotMessage };
}

function invalid(message: string): { ok: false; error: ProtocolError } {
  return { ok: false, error: { code: 'invalid_message', message, issues: [] } };
}

/**
 * The JSON text of a snapshot message whose entries are already one JSON array text (as the server reads them
 * from PostgreSQL), without parsing and re-serializing the entries.
 */
export function encodeSnapshotText(
  snapshot: Pick<SnapshotMessage, 'stream' | 'epoch' | 'seq' | 'checksum'>,
  entriesJson: string,
): string {
  const head = JSON.stringify({
    type: 'snapshot',
    v: PROTOCOL_VERSION,
    stream: snapshot.stream,
    epoch: snapshot.epoch,
    seq: snapshot.seq,
    checksum: snapshot.checksum,
  });
  return `${head.slice(0, -1)},"entries":${entriesJson}}`;
}
