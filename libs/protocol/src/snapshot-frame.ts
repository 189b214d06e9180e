// A snapshot may travel as one binary frame instead of a JSON text, so its body can be compressed and laid out for
// speed:
//   [4-byte big-endian header length][header: UTF-8 JSON][body: the entries per header.format, encoded per
//   header.encoding]
// Compression itself (gzip) is I/O-side work done by the gateway and the agent; this module only lays out and
// validates the bytes, so it stays plain TypeScript.

import { z } from 'zod';
import type { IndicatorEntry, StreamEntry } from './entries';
import { PROTOCOL_VERSION, type SnapshotMessage } from './messages';
import { validateServerMessage, type ParseResult, type ProtocolError, type ProtocolIssue } from './parse';
import { checkIndicatorBinaryBody, encodeIndicatorBinaryBody } from './snapshot-binary';
import {
  checkExclusionColumnsBody,
  checkIndicatorColumnsBody,
  encodeColumnsBody,
  indicatorEntriesOf,
  type IndicatorColumns,
} from './snapshot-columns';
import { SNAPSHOT_BODY_FORMATS, snapshotFormatOfKind, type SnapshotBodyFormat } from './snapshot-formats';
import { isStreamId, streamKindOf, type StreamId } from './stream-ids';

/** Bound on the header, far above any real one (about 200 bytes). */
export const MAX_SNAPSHOT_HEADER_BYTES = 4096;

/** A text body before its encoding: its format and its text. */
export interface SnapshotBody {
  format: Exclude<SnapshotBodyFormat, 'indicators-bin-v1'>;
  text: string;
}

export const snapshotFrameHeaderSchema = z.strictObject({
  type: z.literal('snapshot'),
  v: z.literal(PROTOCOL_VERSION),
  stream: z.string().max(64).refine(isStreamId, 'must be a stream id'),
  epoch: z.number().int().min(1).max(2147483647),
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  checksum: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex digits'),
  /** How many entries the body holds. */
  count: z.number().int().min(0),
  /** Absent means `entries-v1`: frames of that format leave it out, so agents from before formats read them. */
  format: z
    .enum(SNAPSHOT_BODY_FORMATS, {
      error: `must be a snapshot body format this side reads (${SNAPSHOT_BODY_FORMATS.join(', ')})`,
    })
    .default('entries-v1'),
  /** How the body's text (UTF-8) is encoded. */
  encoding: z.enum(['gzip', 'identity']),
});

export type SnapshotFrameHeader = z.infer<typeof snapshotFrameHeaderSchema>;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
/** A text body is read as agents always read it (Buffer's toString): bytes that are not UTF-8 become U+FFFD, and the
 *  entries' checks and the checksum decide. */
const bodyDecoder = new TextDecoder('utf-8');

export function encodeSnapshotFrame(header: SnapshotFrameHeader, body: Uint8Array): Uint8Array {
  const { format, ...rest } = header;
  const headerBytes = encoder.encode(JSON.stringify(format === 'entries-v1' ? rest : header));
  const frame = new Uint8Array(4 + headerBytes.length + body.length);
  new DataView(frame.buffer).setUint32(0, headerBytes.length, false);
  frame.set(headerBytes, 4);
  frame.set(body, 4 + headerBytes.length);
  return frame;
}

/** The body of a stream's entries in the format for its kind (before it is encoded per `header.encoding`). */
export function encodeSnapshotBody(stream: StreamId, entries: SnapshotMessage['entries']): SnapshotBody {
  const kind = streamKindOf(stream);
  const text = kind === 'settings' ? JSON.stringify(entries) : encodeColumnsBody(kind, entries);
  return { format: snapshotFormatOfKind(kind), text };
}

/**
 * The indicators-bin-v1 body of an indicator stream's snapshot message (its decoded columns when it came as
 * columns, else its entries), or null: not an indicator stream, or a value that is not printable ASCII (see
 * snapshot-binary.ts), which another format carries.
 */
export function encodeIndicatorBinarySnapshot(message: SnapshotMessage): Uint8Array | null {
  if (streamKindOf(message.stream) !== 'indicators') return null;
  const columns = snapshotColumnsOf(message);
  if (columns !== undefined) return encodeIndicatorBinaryBody(columns);
  const entries = message.entries as IndicatorEntry[];
  const auditIds = new Map<string, number>();
  const audit = entries.map((entry) => {
    let position = auditIds.get(entry.auditId);
    if (position === undefined) auditIds.set(entry.auditId, (position = auditIds.size));
    return position;
  });
  return encodeIndicatorBinaryBody({
    types: entries.map((entry) => entry.type),
    values: entries.map((entry) => entry.value),
    auditIds: [...auditIds.keys()],
    audit,
    dryRun: entries.map((entry) => (entry.dryRun ? 1 : 0)),
  });
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

/**
 * The snapshot message of a header and its decoded body bytes (after `header.encoding`), every entry checked as in a
 * text snapshot: an indicators-bin-v1 body read as bytes, any other as UTF-8 text (`parseSnapshotBody`).
 */
export function parseSnapshotBytes(
  header: SnapshotFrameHeader,
  body: Uint8Array,
): ParseResult<SnapshotMessage> {
  if (header.format !== 'indicators-bin-v1') return parseSnapshotBody(header, bodyDecoder.decode(body));
  if (streamKindOf(header.stream) !== 'indicators') {
    return invalid(`snapshot body: ${header.format} carries indicator streams only`);
  }
  const checked = checkIndicatorBinaryBody(header.count, body);
  if (!checked.ok) return columnsRefusal(header, checked.issue);
  return { ok: true, message: indicatorColumnsMessage(header, checked.columns) };
}

/** The snapshot message of a header and its decoded body text, every entry checked as in a text snapshot. */
export function parseSnapshotBody(
  header: SnapshotFrameHeader,
  bodyText: string,
): ParseResult<SnapshotMessage> {
  if (header.format === 'indicators-bin-v1') {
    return invalid(`snapshot body: ${header.format} is bytes, not text (parseSnapshotBytes reads it)`);
  }
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch (error) {
    return {
      ok: false,
      error: { code: 'malformed_json', message: `snapshot body: ${(error as Error).message}`, issues: [] },
    };
  }
  return header.format === 'entries-v1' ? entriesMessage(header, body) : columnsMessage(header, body);
}

function entriesMessage(header: SnapshotFrameHeader, entries: unknown): ParseResult<SnapshotMessage> {
  if (!Array.isArray(entries) || entries.length !== header.count) {
    return invalid(`snapshot body must be an array of ${header.count} entries`);
  }
  const result = validateServerMessage(messageOf(header, entries));
  if (!result.ok) return result;
  return { ok: true, message: result.message as SnapshotMessage };
}

function columnsMessage(header: SnapshotFrameHeader, body: unknown): ParseResult<SnapshotMessage> {
  const kind = streamKindOf(header.stream);
  if (kind === 'settings') return invalid(`snapshot body: ${header.format} does not carry a settings stream`);
  if (kind === 'exclusions') {
    const checked = checkExclusionColumnsBody(header.count, body);
    if (!checked.ok) return columnsRefusal(header, checked.issue);
    return { ok: true, message: messageOf(header, checked.entries) };
  }
  const checked = checkIndicatorColumnsBody(header.count, body);
  if (!checked.ok) return columnsRefusal(header, checked.issue);
  return { ok: true, message: indicatorColumnsMessage(header, checked.columns) };
}

function columnsRefusal(
  header: SnapshotFrameHeader,
  issue: ProtocolIssue,
): { ok: false; error: ProtocolError } {
  const { path, message } = issue;
  return {
    ok: false,
    error: {
      code: 'invalid_message',
      message: `invalid snapshot body (${header.format}): ${path === '' ? message : `${path}: ${message}`}`,
      issues: [issue],
    },
  };
}

/** The checked columns an indicator snapshot message was decoded from (see `snapshotColumnsOf`). */
const decodedColumns = new WeakMap<SnapshotMessage, IndicatorColumns>();

/**
 * The columns a snapshot message decoded from an indicator `columns-v1` or `indicators-bin-v1` body came as, every
 * entry checked (see IndicatorColumns); undefined for any other message, or once its `entries` were replaced. A
 * reader that takes them (the firewall agent's matcher build) never makes an object per entry.
 */
export function snapshotColumnsOf(message: SnapshotMessage): IndicatorColumns | undefined {
  return decodedColumns.get(message);
}

/**
 * The snapshot message of checked indicator columns. Its `entries` are made from the columns when first read (then
 * kept), so a reader of the columns skips them and any other reader sees the message a JSON array body gives.
 */
function indicatorColumnsMessage(header: SnapshotFrameHeader, columns: IndicatorColumns): SnapshotMessage {
  const message: SnapshotMessage = messageOf(header, [] as StreamEntry[]);
  let entries: StreamEntry[] | undefined;
  Object.defineProperty(message, 'entries', {
    enumerable: true,
    get: () => (entries ??= indicatorEntriesOf(columns)),
    set: (replaced: StreamEntry[]) => {
      decodedColumns.delete(message);
      entries = replaced;
    },
  });
  decodedColumns.set(message, columns);
  return message;
}

/** The snapshot message a frame's header and entries stand for. */
function messageOf<E>(header: SnapshotFrameHeader, entries: E) {
  const { stream, epoch, seq, checksum } = header;
  return { type: 'snapshot' as const, v: header.v, stream, epoch, seq, checksum, entries };
}

function invalid(message: string): { ok: false; error: ProtocolError } {
  return { ok: false, error: { code: 'invalid_message', message, issues: [] } };
}
