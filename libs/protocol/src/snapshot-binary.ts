// The `indicators-bin-v1` body of a binary snapshot frame: an indicator stream's entries as byte columns, so an agent
// checks a 100,000-entry snapshot in one pass over bytes, without a text decode, a JSON parse or a key string per
// entry (the columns-v1 body costs all three, and the garbage they leave, on an agent whose code runs for the first
// time). All integers little-endian:
//   u32 audit ID count A, then A times: u8 byte length (1..255), the audit ID in UTF-8
//   types   u8 x count   0 cidr, 1 domain, 2 ipv4, 3 url (the type names in code-point order)
//   dryRun  u8 x count   0 or 1
//   audit   count indexes into the audit IDs, u8 when A <= 256, u16 when A <= 65,536, else u32
//   lengths u16 x count  each value's length (1..MAX_ENTRY_VALUE_LENGTH)
//   values  the values one after the other, printable ASCII (0x21..0x7e), nothing after the last
// Values normalized by @threatline/ioc are printable ASCII (punycode domains, escaped URLs, dotted IPv4); a stream
// holding anything else cannot be laid out so (`encodeIndicatorBinaryBody` says null) and travels as columns-v1.
// Entries in key order (type code, then value bytes) make the duplicate check a comparison with the previous
// entry; in any other order keys are made and looked up in a set.

import { MAX_AUDIT_ID_LENGTH, MAX_ENTRY_VALUE_LENGTH, type IndicatorEntry } from './entries';
import type { ProtocolIssue } from './parse';
import type { IndicatorColumns, IndicatorColumnsResult } from './snapshot-columns';

/** Type by code: the type names in code-point order, so key order is type code order, then value order. */
export const BINARY_INDICATOR_TYPES: readonly IndicatorEntry['type'][] = ['cidr', 'domain', 'ipv4', 'url'];
const TYPE_CODES: Readonly<Record<IndicatorEntry['type'], number>> = { cidr: 0, domain: 1, ipv4: 2, url: 3 };
const MAX_AUDIT_ID_BYTES = 255;
const VALUE_MESSAGE = `must be 1 to ${MAX_ENTRY_VALUE_LENGTH} printable ASCII characters`;

const encoder = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** What an indicators-bin-v1 body is made of: entry i is (types[i], values[i], auditIds[audit[i]], dryRun[i]). */
export interface IndicatorColumnsInput {
  types: ArrayLike<IndicatorEntry['type']>;
  values: ArrayLike<string>;
  auditIds: readonly string[];
  audit: ArrayLike<number>;
  /** 1 for a dry run, else 0. */
  dryRun: ArrayLike<number>;
}

/** The bytes of an audit index column entry for `auditCount` audit IDs. */
function auditWidth(auditCount: number): 1 | 2 | 4 {
  return auditCount <= 0x100 ? 1 : auditCount <= 0x10000 ? 2 : 4;
}

/**
 * The indicators-bin-v1 body of indicator columns (in the order given), or null when a value is not printable
 * ASCII of 1 to MAX_ENTRY_VALUE_LENGTH characters or an audit ID is longer than 255 bytes in UTF-8: such a stream
 * travels in another format.
 */
export function encodeIndicatorBinaryBody(columns: IndicatorColumnsInput): Uint8Array | null {
  const { types, values, auditIds, audit, dryRun } = columns;
  const count = values.length;
  const auditBytes = auditIds.map((auditId) => encoder.encode(auditId));
  if (auditBytes.some((bytes) => bytes.length === 0 || bytes.length > MAX_AUDIT_ID_BYTES)) return null;
  let valueBytes = 0;
  for (let index = 0; index < count; index++) {
    const value = values[index]!;
    if (!printableAscii(value)) return null;
    valueBytes += value.length;
  }
  const width = auditWidth(auditIds.length);
  let size = 4 + count * (1 + 1 + width + 2) + valueBytes;
  for (const bytes of auditBytes) size += 1 + bytes.length;
  const body = new Uint8Array(size);
  const view = new DataView(body.buffer);
  view.setUint32(0, auditIds.length, true);
  let offset = 4;
  for (const bytes of auditBytes) {
    body[offset++] = bytes.length;
    body.set(bytes, offset);
    offset += bytes.length;
  }
  const typesAt = offset;
  const dryRunAt = typesAt + count;
  const auditAt = dryRunAt + count;
  const lengthsAt = auditAt + count * width;
  let valueAt = lengthsAt + 2 * count;
  for (let index = 0; index < count; index++) {
    const value = values[index]!;
    body[typesAt + index] = TYPE_CODES[types[index]!];
    body[dryRunAt + index] = dryRun[index] === 1 ? 1 : 0;
    const position = audit[index]!;
    if (width === 1) body[auditAt + index] = position;
    else if (width === 2) view.setUint16(auditAt + 2 * index, position, true);
    else view.setUint32(auditAt + 4 * index, position, true);
    view.setUint16(lengthsAt + 2 * index, value.length, true);
    for (let i = 0; i < value.length; i++) body[valueAt + i] = value.charCodeAt(i);
    valueAt += value.length;
  }
  return body;
}

/**
 * The checked columns of an indicators-bin-v1 body of `count` entries, or its first problem (an entry's as in
 * `entries[3].value`). Every entry is checked as a columns-v1 body's is (type, value length, audit ID, dry run,
 * distinct keys), and its value is printable ASCII. One loop over the bytes with no allocation per entry but the
 * value's string, a slice of one string of all values; `keys` are left out (made from type and value when needed).
 */
export function checkIndicatorBinaryBody(count: number, body: Uint8Array): IndicatorColumnsResult {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const end = body.length;
  if (end < 4) return refused('', 'shorter than its audit ID count');
  const auditCount = view.getUint32(0, true);
  // Each audit ID takes 2 bytes at least: a count beyond that is a lie, refused before any allocation.
  if (auditCount > (end - 4) / 2) return refused('auditIds', `${auditCount} audit IDs do not fit the body`);
  const auditIds = new Array<string>(auditCount);
  let offset = 4;
  for (let position = 0; position < auditCount; position++) {
    const length = offset < end ? body[offset]! : 0;
    const auditId = length === 0 || offset + 1 + length > end ? null : utf8Text(body, offset + 1, length);
    if (auditId === null || auditId.length > MAX_AUDIT_ID_LENGTH) {
      return refused(`auditIds[${position}]`, `must be a string of 1 to ${MAX_AUDIT_ID_LENGTH} characters`);
    }
    auditIds[position] = auditId;
    offset += 1 + length;
  }
  const width = auditWidth(auditCount);
  if (end - offset < count * (1 + 1 + width + 2)) return refused('', `shorter than ${count} entries`);
  const typesAt = offset;
  const dryRunAt = typesAt + count;
  const auditAt = dryRunAt + count;
  const lengthsAt = auditAt + count * width;
  const valuesAt = lengthsAt + 2 * count;
  const types = new Array<IndicatorEntry['type']>(count);
  const values = new Array<string>(count);
  const audit = new Uint32Array(count);
  const dryRun = new Uint8Array(count);
  let start = valuesAt;
  let previousCode = -1;
  let previousStart = 0;
  let previousEnd = 0;
  let ascending = true;
  // First pass: every byte checked, so the values' text below is ASCII, one byte per character.
  for (let index = 0; index < count; index++) {
    const code = body[typesAt + index]!;
    if (code >= BINARY_INDICATOR_TYPES.length) {
      return refused(`entries[${index}].type`, `must be one of ${BINARY_INDICATOR_TYPES.join(', ')}`);
    }
    const flag = body[dryRunAt + index]!;
    if (flag > 1) return refused(`entries[${index}].dryRun`, 'must be 0 or 1');
    const position =
      width === 1
        ? body[auditAt + index]!
        : width === 2
          ? view.getUint16(auditAt + 2 * index, true)
          : view.getUint32(auditAt + 4 * index, true);
    if (position >= auditCount) {
      return refused(`entries[${index}].auditId`, `audit must index auditIds (0 to ${auditCount - 1})`);
    }
    const length = view.getUint16(lengthsAt + 2 * index, true);
    const stop = start + length;
    if (length === 0 || length > MAX_ENTRY_VALUE_LENGTH || stop > end) {
      return refused(`entries[${index}].value`, VALUE_MESSAGE);
    }
    for (let i = start; i < stop; i++) {
      const byte = body[i]!;
      if (byte < 0x21 || byte > 0x7e) return refused(`entries[${index}].value`, VALUE_MESSAGE);
    }
    if (ascending && index > 0) {
      ascending =
        code > previousCode ||
        (code === previousCode && compareBytes(body, previousStart, previousEnd, start, stop) < 0);
    }
    previousCode = code;
    previousStart = start;
    previousEnd = stop;
    types[index] = BINARY_INDICATOR_TYPES[code]!;
    audit[index] = position;
    dryRun[index] = flag;
    start = stop;
  }
  if (start !== end) return refused('', `${end - start} bytes after the last value`);
  // ASCII only (checked above): one character per byte, so entry i's value is a slice of the text by its offsets.
  const text = utf8.decode(body.subarray(valuesAt, end));
  start = 0;
  for (let index = 0; index < count; index++) {
    const stop = start + view.getUint16(lengthsAt + 2 * index, true);
    values[index] = text.slice(start, stop);
    start = stop;
  }
  const columns: IndicatorColumns = { count, types, values, auditIds, audit, dryRun };
  if (!ascending) {
    const duplicate = duplicateEntry(columns);
    if (duplicate !== -1) return refused(`entries[${duplicate}].key`, 'duplicate key');
  }
  return { ok: true, columns };
}

function printableAscii(value: string): boolean {
  if (value.length === 0 || value.length > MAX_ENTRY_VALUE_LENGTH) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}

/** UTF-8 text of `length` bytes at `start`, or null when they are not UTF-8. */
function utf8Text(body: Uint8Array, start: number, length: number): string | null {
  try {
    return utf8.decode(body.subarray(start, start + length));
  } catch {
    return null;
  }
}

/** Byte order of two ranges (negative, 0, positive), as the code-point order of their ASCII text. */
function compareBytes(body: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const length = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < length; i++) {
    const difference = body[aStart + i]! - body[bStart + i]!;
    if (difference !== 0) return difference;
  }
  return aEnd - aStart - (bEnd - bStart);
}

/** The index of the first entry whose key came before, or -1. */
function duplicateEntry(columns: IndicatorColumns): number {
  const seen = new Set<string>();
  for (let index = 0; index < columns.count; index++) {
    const key = `${columns.types[index]!}:${columns.values[index]!}`;
    if (seen.size === seen.add(key).size) return index;
  }
  return -1;
}

function refused(path: string, message: string): { ok: false; issue: ProtocolIssue } {
  return { ok: false, issue: { path, message } };
}
