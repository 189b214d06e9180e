import {
  encodeServerMessage,
  encodeSnapshotFrame,
  PROTOCOL_VERSION,
  type StreamId,
} from '@threatline/protocol';
import type { ReadSinceResult } from '@threatline/streams';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

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
  data: Buffer;
  binary: boolean;
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
    data: Buffer.from(text),
    binary: false,
  };
}

/**
 * A snapshot as one binary frame (the protocol's snapshot-frame layout) whose body is the text
 * PostgreSQL laid out, gzip'ed once, off the event loop: no parse, no per-connection compression.
 */
export async function encodeSnapshot(streamId: StreamId, read: SnapshotRead): Promise<StreamFrame> {
  const body = Buffer.from(read.body.text);
  const compress = body.length >= GZIP_FROM_BYTES;
  const frame = encodeSnapshotFrame(
    {
      type: 'snapshot',
      v: PROTOCOL_VERSION,
      stream: streamId,
      epoch: read.epoch,
      seq: read.seq,
      checksum: read.checksum,
      count: read.count,
      format: read.body.format,
      encoding: compress ? 'gzip' : 'identity',
    },
    compress ? await gzipAsync(body) : body,
  );
  return {
    kind: 'snapshot',
    epoch: read.epoch,
    fromSeq: 1,
    toSeq: read.seq,
    checksum: read.checksum,
    data: Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength),
    binary: true,
  };
}
