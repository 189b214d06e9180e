import {
  decodeSnapshotFrame,
  parseSnapshotBytes,
  type ParseResult,
  type SnapshotMessage,
} from '@threatline/protocol';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

/** A compressed body may not expand beyond this (a gzip bomb is an error, not an out-of-memory). */
export const MAX_SNAPSHOT_BODY_BYTES = 512 * 1024 * 1024;
/** zlib's own output chunk size, for a body whose gzip trailer says nothing useful. */
const MIN_CHUNK_BYTES = 64 * 1024;
/** The largest output chunk: a trailer that lies costs at most this much memory up front (a 1M-entry body is ~30 MB). */
const MAX_CHUNK_BYTES = 32 * 1024 * 1024;

/** A binary snapshot frame as a validated snapshot message. */
export async function decodeSnapshot(frame: Buffer): Promise<ParseResult<SnapshotMessage>> {
  const split = decodeSnapshotFrame(frame);
  if (!split.ok) return split;
  let body: Uint8Array;
  try {
    body =
      split.header.encoding === 'gzip'
        ? await gunzipAsync(split.body, {
            maxOutputLength: MAX_SNAPSHOT_BODY_BYTES,
            chunkSize: outputChunkBytes(split.body),
          })
        : split.body;
  } catch (error) {
    return {
      ok: false,
      error: { code: 'invalid_message', message: `snapshot body: ${(error as Error).message}`, issues: [] },
    };
  }
  return parseSnapshotBytes(split.header, body);
}

/**
 * zlib's output chunk for a gzip body: the size its trailer gives (ISIZE, the length mod 2^32) plus one byte,
 * bounded. The whole body then comes out of one zlib call as one buffer: with 16 KB chunks a 3 MB body took ~190
 * trips between the thread pool and the event loop and a copy of every chunk into one buffer at the end, ~20 ms of
 * an agent's first snapshot. A wrong ISIZE (it is not checked before the inflate) only costs more chunks.
 */
function outputChunkBytes(gzipped: Uint8Array): number {
  if (gzipped.length < 4) return MIN_CHUNK_BYTES;
  const end = gzipped.byteOffset + gzipped.length;
  const size = new DataView(gzipped.buffer, end - 4, 4).getUint32(0, true);
  return Math.min(Math.max(size + 1, MIN_CHUNK_BYTES), MAX_CHUNK_BYTES);
}
