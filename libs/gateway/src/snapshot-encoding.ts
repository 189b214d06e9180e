import {
  decodeSnapshotFrame,
  encodeIndicatorBinarySnapshot,
  encodeSnapshotBody,
  encodeSnapshotFrame,
  parseSnapshotBody,
  parseSnapshotBytes,
  PROTOCOL_VERSION,
  type SnapshotBodyFormat,
  type SnapshotFrameHeader,
  type StreamId,
} from '@threatline/protocol';
import { gunzipSync, gzipSync } from 'node:zlib';

// The CPU-bound half of a snapshot's encoding: parses, lay-outs and gzip of whole snapshots (tens of ms for 100,000
// indicators). Synchronous on purpose: it runs on the snapshot encoder's worker threads (snapshot-encoder.ts),
// never on the gateway's event loop, where every other agent's frames, acks and pings would wait for it.

/** Snapshot bodies smaller than this go uncompressed: gzip would not pay for its own header. */
export const GZIP_FROM_BYTES = 1024;

/** Where a snapshot brings an agent. */
export interface SnapshotPosition {
  epoch: number;
  seq: number;
  checksum: string;
}

/** A snapshot frame's bytes (the protocol's snapshot-frame layout) and its body's format. */
export interface EncodedSnapshot {
  format: SnapshotBodyFormat;
  frame: Uint8Array;
}

/**
 * The frame of an indicator stream's snapshot read as columns-v1 text (PostgreSQL lays it out), its body checked and
 * laid out again as indicators-bin-v1 bytes: the format agents check and apply fastest. Sent as read (columns-v1)
 * when a value is not printable ASCII (normalized values are), or when an entry does not check: an agent refuses it
 * then, naming it, as it did before the gateway parsed snapshots.
 */
export function encodeIndicatorSnapshot(
  streamId: StreamId,
  position: SnapshotPosition,
  count: number,
  text: string,
): EncodedSnapshot {
  const parsed = parseSnapshotBody(headerOf(streamId, position, count, 'columns-v1', 'identity'), text);
  const bytes = parsed.ok ? encodeIndicatorBinarySnapshot(parsed.message) : null;
  if (bytes !== null) {
    return {
      format: 'indicators-bin-v1',
      frame: frameOf(streamId, position, count, 'indicators-bin-v1', bytes),
    };
  }
  return { format: 'columns-v1', frame: frameOf(streamId, position, count, 'columns-v1', Buffer.from(text)) };
}

/**
 * A snapshot frame laid out in another format, for agents that do not read its own one: `columns-v1` for an
 * indicators-bin-v1 frame, `entries-v1` for any. The body is decoded and checked as an agent would, then laid out
 * again.
 */
export function snapshotInFormat(
  streamId: StreamId,
  frame: Uint8Array,
  format: SnapshotBodyFormat,
): Uint8Array {
  const decoded = decodeSnapshotFrame(frame);
  if (!decoded.ok) throw new Error(`snapshot of ${streamId} does not decode: ${decoded.error.message}`);
  const { header, body } = decoded;
  const parsed = parseSnapshotBytes(header, header.encoding === 'gzip' ? gunzipSync(body) : body);
  if (!parsed.ok) throw new Error(`snapshot of ${streamId} does not parse: ${parsed.error.message}`);
  const message = parsed.message;
  const bytes =
    format === 'indicators-bin-v1'
      ? encodeIndicatorBinarySnapshot(message)
      : Buffer.from(
          format === 'columns-v1'
            ? encodeSnapshotBody(streamId, message.entries).text
            : JSON.stringify(message.entries),
        );
  if (bytes === null) throw new Error(`snapshot of ${streamId} cannot be laid out as ${format}`);
  return frameOf(streamId, header, header.count, format, bytes);
}

/** A frame's header; `encoding` says whether its body is gzip'ed. */
export function headerOf(
  streamId: StreamId,
  position: SnapshotPosition,
  count: number,
  format: SnapshotBodyFormat,
  encoding: 'gzip' | 'identity',
): SnapshotFrameHeader {
  const { epoch, seq, checksum } = position;
  return {
    type: 'snapshot',
    v: PROTOCOL_VERSION,
    stream: streamId,
    epoch,
    seq,
    checksum,
    count,
    format,
    encoding,
  };
}

function frameOf(
  streamId: StreamId,
  position: SnapshotPosition,
  count: number,
  format: SnapshotBodyFormat,
  bytes: Uint8Array,
): Uint8Array {
  const compress = bytes.length >= GZIP_FROM_BYTES;
  return encodeSnapshotFrame(
    headerOf(streamId, position, count, format, compress ? 'gzip' : 'identity'),
    compress ? gzipSync(bytes) : bytes,
  );
}
