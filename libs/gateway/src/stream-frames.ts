import {
  decodeSnapshotFrame,
  encodeServerMessage,
  encodeSnapshotFrame,
  parseSnapshotBody,
  PROTOCOL_VERSION,
  type SnapshotBody,
  type SnapshotBodyFormat,
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
 * A snapshot as one binary frame (the protocol's snapshot-frame layout) whose body is the text
 * PostgreSQL laid out, gzip'ed once, off the event loop: no parse, no per-connection compression.
 */
export function encodeSnapshot(streamId: StreamId, read: SnapshotRead): Promise<StreamFrame> {
  return snapshotFrame(streamId, read, read.count, read.body);
}

/**
 * The same snapshot with an `entries-v1` body, for agents that do not read the stream's own
 * format (agents from before it): the body is decoded and checked as an agent would, then laid
 * out again. Rare and cached by the caller, so it may cost a parse.
 */
export async function toEntriesFormat(streamId: StreamId, frame: StreamFrame): Promise<StreamFrame> {
  const decoded = decodeSnapshotFrame(frame.data);
  if (!decoded.ok) throw new Error(`snapshot of ${streamId} does not decode: ${decoded.error.message}`);
  const { header, body } = decoded;
  const text = Buffer.from(header.encoding === 'gzip' ? await gunzipAsync(body) : body).toString('utf8');
  const parsed = parseSnapshotBody(header, text);
  if (!parsed.ok) throw new Error(`snapshot of ${streamId} does not parse: ${parsed.error.message}`);
  const position = { epoch: header.epoch, seq: header.seq, checksum: header.checksum };
  return snapshotFrame(streamId, position, header.count, {
    format: 'entries-v1',
    text: JSON.stringify(parsed.message.entries),
  });
}

async function snapshotFrame(
  streamId: StreamId,
  position: { epoch: number; seq: number; checksum: string },
  count: number,
  body: SnapshotBody,
): Promise<StreamFrame> {
  const bytes = Buffer.from(body.text);
  const compress = bytes.length >= GZIP_FROM_BYTES;
  const frame = encodeSnapshotFrame(
    {
      type: 'snapshot',
      v: PROTOCOL_VERSION,
      stream: streamId,
      epoch: position.epoch,
      seq: position.seq,
      checksum: position.checksum,
      count,
      format: body.format,
      encoding: compress ? 'gzip' : 'identity',
    },
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
    format: body.format,
  };
}
