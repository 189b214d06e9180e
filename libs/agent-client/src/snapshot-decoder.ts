import {
  decodeSnapshotFrame,
  parseSnapshotBody,
  type ParseResult,
  type SnapshotMessage,
} from '@threatline/protocol';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

/** A compressed body may not expand beyond this (a gzip bomb is an error, not an out-of-memory). */
export const MAX_SNAPSHOT_BODY_BYTES = 512 * 1024 * 1024;

/** A binary snapshot frame as a validated snapshot message. */
export async function decodeSnapshot(frame: Buffer): Promise<ParseResult<SnapshotMessage>> {
  const split = decodeSnapshotFrame(frame);
  if (!split.ok) return split;
  let body: Buffer;
  try {
    body =
      split.header.encoding === 'gzip'
        ? await gunzipAsync(split.body, { maxOutputLength: MAX_SNAPSHOT_BODY_BYTES })
        : Buffer.from(split.body.buffer, split.body.byteOffset, split.body.byteLength);
  } catch (error) {
    return {
      ok: false,
      error: { code: 'invalid_message', message: `snapshot body: ${(error as Error).message}`, issues: [] },
    };
  }
  return parseSnapshotBody(split.header, body.toString());
}
