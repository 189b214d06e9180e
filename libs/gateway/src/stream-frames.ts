import {
  encodeServerMessage,
  encodeSnapshotFrame,
  PROTOCOL_VERSION,
  streamKindOf,
  type SnapshotBodyFormat,
  type StreamId,
} from '@threatline/protocol';
import type { ReadSinceResult } from '@threatline/streams';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { SnapshotEncoder } from './snapshot-encoder';
import { GZIP_FROM_BYTES, headerOf, type SnapshotPosition } from './snapshot-encoding';

const gzipAsync = promisify(gzip);

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
 * A snapshot as one binary frame (the protocol's snapshot-frame layout), gzip'ed once, off the event loop: no
 * per-connection work. Its body is the text PostgreSQL laid out (no parse), but for an indicator stream, whose
 * columns-v1 text is checked and laid out again as indicators-bin-v1 bytes on an encoder thread (see
 * encodeIndicatorSnapshot): the format agents check and apply fastest, worth a parse there once per read, shared by
 * every agent.
 */
export async function encodeSnapshot(
  streamId: StreamId,
  read: SnapshotRead,
  encoder: SnapshotEncoder,
): Promise<StreamFrame> {
  if (read.body.format === 'columns-v1' && streamKindOf(streamId) === 'indicators') {
    const { format, frame } = await encoder.indicatorSnapshot(streamId, read, read.count, read.body.text);
    return snapshotFrame(read, read.count, format, frame);
  }
  const bytes = Buffer.from(read.body.text);
  const compress = bytes.length >= GZIP_FROM_BYTES;
  const frame = encodeSnapshotFrame(
    headerOf(streamId, read, read.count, read.body.format, compress ? 'gzip' : 'identity'),
    compress ? await gzipAsync(bytes) : bytes,
  );
  return snapshotFrame(read, read.count, read.body.format, frame);
}

/**
 * The same snapshot in another format, for agents that do not read the frame's own one (agents from before it):
 * `columns-v1` for an indicators-bin-v1 frame, `entries-v1` for any, laid out on an encoder thread (see
 * snapshotInFormat). Rare and cached by the caller.
 */
export async function toFormat(
  streamId: StreamId,
  frame: StreamFrame,
  format: SnapshotBodyFormat,
  encoder: SnapshotEncoder,
): Promise<StreamFrame> {
  const bytes = await encoder.inFormat(streamId, frame.data, format);
  const position = { epoch: frame.epoch, seq: frame.toSeq, checksum: frame.checksum };
  return snapshotFrame(position, frame.count, format, bytes);
}

function snapshotFrame(
  position: SnapshotPosition,
  count: number,
  format: SnapshotBodyFormat,
  frame: Uint8Array,
): StreamFrame {
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
