import {
  decodeSnapshotFrame,
  encodeIndicatorBinarySnapshot,
  encodeServerMessage,
  encodeSnapshotBody,
  encodeSnapshotFrame,
  parseSnapshotBody,
  parseSnapshotBytes,
  PROTOCOL_VERSION,
  streamKindOf,
  type SnapshotBodyFormat,
  type SnapshotFrameHeader,
  type StreamId,
} from '@threatline/protocol';
import type { ReadSinceResult } from '@threatline/streams';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Snapshot bodies smaller than this go uncompressed: gzip would not pay for its own header. */
const GZIP_FROM_BYTES = 1024;

/**
 * One frame of a stream, encoded once: the same `data` is written to every socket that needs
 * it (ws frames a Buffer without copying it on the server side).
 */
export interface StreamFrame {
  kind: 'deltas' | 'snapshot';
  epoch: number;
  /** First seq carried (a snapshot carries the whole state: 1). */
  fromSeq: number;
  /** The position an agent holds once it applied the frame. */
  toSeq: number;
  checksum: string;
  /** Entries carried: a snapshot's entries, a deltas frame's deltas. */
  count: number;
  data: Buffer;
  binary: boolean;
  /** A snapshot's body format (deltas frames have none). */
  format?: SnapshotBodyFormat;
}

export type DeltasRead = Extract<ReadSinceResult, { kind: 'deltas' }>;
export type SnapshotRead = Extract<ReadSinceResult, { kind: 'snapshot' }>;

/** A `deltas` message as one JSON text frame. */
export function encodeDeltasFrame(streamId: StreamId, read: DeltasRead): StreamFrame {
  const text = encodeServerMessage({
    type: 'deltas',
    v: PROTOCOL_VERSION,
    stream: streamId,
    epoch: read.epoch,
    fromSeq: read.fromSeq,
    toSeq: read.toSeq,
    checksum: read.checksum,
    deltas: read.deltas,
  });
  return {
    kind: 'deltas',
    epoch: read.epoch,
    fromSeq: read.fromSeq,
    toSeq: read.toSeq,
    checksum: read.checksum,
    count: read.deltas.length,
    data: Buffer.from(text),
    binary: false,
  };
}

/**
 * A snapshot as one binary frame (the protocol's snapshot-frame layout), gzip'ed once, off the event
 * loop: no per-connection work. Its body is the text PostgreSQL laid out (no parse), but for an
 * indicator stream, whose columns-v1 text is checked and laid out again as indicators-bin-v1 bytes
 * (see toIndicatorBytes): the format agents check and apply fastest, worth a parse here once per
 * read, shared by every agent.
 */
export async function encodeSnapshot(streamId: StreamId, read: SnapshotRead): Promise<StreamFrame> {
  const bytes = read.body.format === 'columns-v1' ? toIndicatorBytes(streamId, read) : null;
  if (bytes !== null) return snapshotFrame(streamId, read, read.count, 'indicators-bin-v1', bytes);
  return snapshotFrame(streamId, read, read.count, read.body.format, Buffer.from(read.body.text));
}

/**
 * The indicators-bin-v1 body of an indicator stream's columns-v1 snapshot, or null, and the snapshot is
 * sent as it was read: another kind, a value not printable ASCII (normalized values are), or an entry
 * an agent would refuse (which it then does, naming it, as it did before the gateway parsed snapshots).
 */
function toIndicatorBytes(streamId: StreamId, read: SnapshotRead): Uint8Array | null {
  if (streamKindOf(streamId) !== 'indicators') return null;
  const parsed = parseSnapshotBody(
    headerOf(streamId, read, read.count, 'columns-v1', 'identity'),
    read.body.text,
  );
  return parsed.ok ? encodeIndicatorBinarySnapshot(parsed.message) : null;
}

/**
 * The same snapshot in another format, for agents that do not read the frame's own one (agents
 * from before it): `columns-v1` for an indicators-bin-v1 frame, `entries-v1` for any. The body is
 * decoded and checked as an agent would, then laid out again. Rare and cached by the caller, so it
 * may cost a parse.
 */
export async function toFormat(
  streamId: StreamId,
  frame: StreamFrame,
  format: SnapshotBodyFormat,
): Promise<StreamFrame> {
  const decoded = decodeSnapshotFrame(frame.data);
  if (!decoded.ok) throw new Error(`snapshot of ${streamId} does not decode: ${decoded.error.message}`);
  const { header, body } = decoded;
  const parsed = parseSnapshotBytes(header, header.encoding === 'gzip' ? await gunzipAsync(body) : body);
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
  const position = { epoch: header.epoch, seq: header.seq, checksum: header.checksum };
  return snapshotFrame(streamId, position, header.count, format, bytes);
}

function headerOf(
  streamId: StreamId,
  position: { epoch: number; seq: number; checksum: string },
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

async function snapshotFrame(
  streamId: StreamId,
  position: { epoch: number; seq: number; checksum: string },
  count: number,
  format: SnapshotBodyFormat,
  bytes: Uint8Array,
): Promise<StreamFrame> {
  const compress = bytes.length >= GZIP_FROM_BYTES;
  const frame = encodeSnapshotFrame(
    headerOf(streamId, position, count, format, compress ? 'gzip' : 'identity'),
    compress ? await gzipAsync(bytes) : bytes,
  );
  return {
    kind: 'snapshot',
    epoch: position.epoch,
    fromSeq: 1,
    toSeq: position.seq,
    checksum: position.checksum,
    count,
    data: Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength),
    binary: true,
    format,
  };
}
