// The `columns-v1` body of a binary snapshot frame, for indicator and exclusion streams: the entries as columns of one
// JSON object rather than an array of objects. A 100,000-indicator body shrinks from about 15 MB to 3 MB, and
// gunzip, JSON.parse and the check all scale with that: the key is not sent beside the type and value it is made
// of, and a feed's audit ID travels once instead of once per entry.
//   indicators: {"keys":["<type>:<value>",...],"auditIds":[distinct audit IDs],"audit":[index into auditIds,...],
//                "dryRun":[0 or 1,...]}
//   exclusions: {"keys":["<TYPE>:<value>",...]}
// An entry's key is split at its first ':' (no type holds one) into its type and value, so the key the agent holds
// is the type and value it hashes, by construction. Each entry is checked here, as entry-check.ts would check the
// object; the entries built are the ones a JSON array body would have given. Keys may come in any order; the gateway
// sends them ascending, which turns the duplicate check into a comparison with the previous key (a set of 100,000
// keys would cost about as much as the rest of the check).

import {
  MAX_AUDIT_ID_LENGTH,
  MAX_ENTRY_VALUE_LENGTH,
  exclusionTypeSchema,
  indicatorTypeSchema,
  type ExclusionEntry,
  type IndicatorEntry,
  type StreamEntry,
} from './entries';
import type { ProtocolIssue } from './parse';

const INDICATOR_FIELDS = ['keys', 'auditIds', 'audit', 'dryRun'];
const EXCLUSION_FIELDS = ['keys'];
/** Each type as the one string every entry shares (a slice of the key would be a string per entry). */
const INDICATOR_TYPE_LIST: readonly IndicatorEntry['type'][] = indicatorTypeSchema.options;
const INDICATOR_TYPE_MESSAGE = `must be one of ${INDICATOR_TYPE_LIST.join(', ')}`;
const VALUE_MESSAGE = `must be a string of 1 to ${MAX_ENTRY_VALUE_LENGTH} characters`;
const EXCLUSION_TYPES: ReadonlyMap<string, ExclusionEntry['type']> = new Map(
  exclusionTypeSchema.options.map((type) => [type, type]),
);

export type ColumnsResult = { ok: true; entries: StreamEntry[] } | { ok: false; issue: ProtocolIssue };

/** The `columns-v1` body text of indicator or exclusion entries (audit IDs listed in order of first use). */
export function encodeColumnsBody(
  kind: 'indicators' | 'exclusions',
  entries: readonly StreamEntry[],
): string {
  const keys = entries.map((entry) => {
    if (!('type' in entry)) throw new RangeError(`not an ${kind} entry: ${entry.key}`);
    return `${entry.type}:${entry.value}`;
  });
  if (kind === 'exclusions') return JSON.stringify({ keys });
  const auditIds = new Map<string, number>();
  const audit: number[] = [];
  const dryRun: number[] = [];
  for (const entry of entries) {
    if (!('auditId' in entry)) throw new RangeError(`not an indicator entry: ${entry.key}`);
    let position = auditIds.get(entry.auditId);
    if (position === undefined) auditIds.set(entry.auditId, (position = auditIds.size));
    audit.push(position);
    dryRun.push(entry.dryRun ? 1 : 0);
  }
  return JSON.stringify({ keys, auditIds: [...auditIds.keys()], audit, dryRun });
}

/**
 * The `count` entries of a parsed exclusion `columns-v1` body, checked, or its first problem (the path of an entry's
 * as in `entries[3].value`).
 */
export function checkExclusionColumnsBody(count: number, body: unknown): ColumnsResult {
  const issue = fieldsIssue(EXCLUSION_FIELDS, count, body);
  return issue ?? exclusions((body as Record<string, unknown[]>).keys!, count);
}

/** The checked columns of a parsed indicator `columns-v1` body of `count` entries, or its first problem. */
export function checkIndicatorColumnsBody(count: number, body: unknown): IndicatorColumnsResult {
  const issue = fieldsIssue(INDICATOR_FIELDS, count, body);
  return issue ?? checkIndicatorColumns(body as Record<string, unknown[]>, count);
}

/** What is wrong with a body's fields: not an object of `fields`, or a column (`auditIds` aside) not of `count`. */
function fieldsIssue(
  fields: readonly string[],
  count: number,
  body: unknown,
): { ok: false; issue: ProtocolIssue } | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return refused('', `must be an object of ${fields.join(', ')}`);
  }
  const columns = body as Record<string, unknown>;
  for (const field in columns) {
    if (!fields.includes(field)) return refused('', `unknown field "${field}"`);
  }
  for (const field of fields) {
    if (field === 'auditIds') continue;
    const column = columns[field];
    if (!Array.isArray(column) || column.length !== count) {
      return refused(field, `must be an array of ${count} items`);
    }
  }
  return null;
}

/**
 * The checked columns of an indicator `columns-v1` body, entry `i` being `(types[i], values[i],
 * auditIds[audit[i]], dryRun[i] === 1)` with key `keys[i]`: what a columns build of the matcher takes, with no
 * object per entry. Every entry is checked as `checkColumnsBody` checks it (keys distinct).
 */
export interface IndicatorColumns {
  count: number;
  /** The keys as a columns-v1 body sent them; an indicators-bin-v1 body has none (`keyOfColumns` makes them). */
  keys?: readonly string[];
  types: readonly IndicatorEntry['type'][];
  values: readonly string[];
  auditIds: readonly string[];
  audit: Uint32Array;
  dryRun: Uint8Array;
}

export type IndicatorColumnsResult =
  { ok: true; columns: IndicatorColumns } | { ok: false; issue: ProtocolIssue };

/**
 * The indicator columns of a parsed body whose fields were checked (`keys`, `audit` and `dryRun` arrays of `count`
 * items), each entry checked. One loop with no call and no allocation per entry but the value's slice: it runs
 * 100,000 times in an agent whose code may never have run before, where every call per entry costs until the JIT
 * has optimized it.
 */
function checkIndicatorColumns(columns: Record<string, unknown[]>, count: number): IndicatorColumnsResult {
  const auditIds = columns.auditIds;
  if (!Array.isArray(auditIds)) return refused('auditIds', 'must be an array');
  for (let position = 0; position < auditIds.length; position++) {
    const auditId: unknown = auditIds[position];
    if (typeof auditId !== 'string' || auditId.length === 0 || auditId.length > MAX_AUDIT_ID_LENGTH) {
      return refused(`auditIds[${position}]`, `must be a string of 1 to ${MAX_AUDIT_ID_LENGTH} characters`);
    }
  }
  const keys = columns.keys!;
  const auditColumn = columns.audit!;
  const dryRunColumn = columns.dryRun!;
  const auditCount = auditIds.length;
  const types = new Array<IndicatorEntry['type']>(count);
  const values = new Array<string>(count);
  const audit = new Uint32Array(count);
  const dryRun = new Uint8Array(count);
  let type: IndicatorEntry['type'] = INDICATOR_TYPE_LIST[0]!;
  let previous = '';
  let ascending = true;
  for (let index = 0; index < count; index++) {
    const key = keys[index];
    if (typeof key !== 'string') return refused(`entries[${index}].key`, 'must be a string');
    const colon = key.indexOf(':');
    // The gateway sends keys ascending, so an entry's type is almost always the previous entry's.
    if (colon !== type.length || !key.startsWith(type)) {
      const found = typeOfKey(key, colon, INDICATOR_TYPE_LIST);
      if (found === undefined) return refused(`entries[${index}].type`, INDICATOR_TYPE_MESSAGE);
      type = found;
    }
    const length = key.length - colon - 1;
    if (length === 0 || length > MAX_ENTRY_VALUE_LENGTH)
      return refused(`entries[${index}].value`, VALUE_MESSAGE);
    if (ascending && index > 0 && !(previous < key)) ascending = false;
    previous = key;
    const position = auditColumn[index];
    // A non-negative integer below auditCount (`>>> 0` keeps such numbers, and turns anything else into another).
    if (typeof position !== 'number' || position >>> 0 !== position || position >= auditCount) {
      return refused(`entries[${index}].auditId`, `audit must index auditIds (0 to ${auditCount - 1})`);
    }
    const flag = dryRunColumn[index];
    if (flag !== 0 && flag !== 1) return refused(`entries[${index}].dryRun`, 'must be 0 or 1');
    types[index] = type;
    values[index] = key.slice(colon + 1);
    audit[index] = position;
    dryRun[index] = flag;
  }
  if (!ascending) {
    const duplicate = duplicateKey(keys as readonly string[]);
    if (duplicate !== -1) return refused(`entries[${duplicate}].key`, 'duplicate key');
  }
  return {
    ok: true,
    columns: {
      count,
      keys: keys as readonly string[],
      types,
      values,
      auditIds: auditIds as string[],
      audit,
      dryRun,
    },
  };
}

/** The entries of checked indicator columns, as a JSON array body would have given them. */
export function indicatorEntriesOf(columns: IndicatorColumns): IndicatorEntry[] {
  const { count, types, values, auditIds, audit, dryRun } = columns;
  const entries = new Array<IndicatorEntry>(count);
  for (let index = 0; index < count; index++) {
    entries[index] = {
      key: keyOfColumns(columns, index),
      type: types[index]!,
      value: values[index]!,
      auditId: auditIds[audit[index]!]!,
      dryRun: dryRun[index] === 1,
    };
  }
  return entries;
}

/** Entry `index`'s key: as sent, or made of its type and value. */
export function keyOfColumns(columns: IndicatorColumns, index: number): string {
  return columns.keys?.[index] ?? `${columns.types[index]!}:${columns.values[index]!}`;
}

/** The type a `<type>:<value>` key starts with (`colon`: where its first ':' is), if one of `types`. */
function typeOfKey<T extends string>(key: string, colon: number, types: readonly T[]): T | undefined {
  return types.find((type) => type.length === colon && key.startsWith(type));
}

/** The index of the first key seen before, or -1. */
function duplicateKey(keys: readonly string[]): number {
  const seen = new Set<string>();
  for (let index = 0; index < keys.length; index++) {
    if (seen.size === seen.add(keys[index]!).size) return index;
  }
  return -1;
}

function exclusions(keys: unknown[], count: number): ColumnsResult {
  const entries = new Array<ExclusionEntry>(count);
  let ascending = true;
  for (let index = 0; index < count; index++) {
    const key = keys[index];
    const split = splitKey(key, EXCLUSION_TYPES, index);
    if ('ok' in split) return split;
    ascending &&= index === 0 || (keys[index - 1] as string) < (key as string);
    entries[index] = { key: key as string, type: split.type, value: split.value };
  }
  return ascending ? { ok: true, entries } : unique(entries);
}

/** The entries when their keys are distinct (keys strictly ascending are, without this look). */
function unique(entries: StreamEntry[]): ColumnsResult {
  const seen = new Set<string>();
  for (let index = 0; index < entries.length; index++) {
    const key = entries[index]!.key;
    if (seen.size === seen.add(key).size) return refused(`entries[${index}].key`, 'duplicate key');
  }
  return { ok: true, entries };
}

/** The type and value of entry `index`'s `<type>:<value>` key, or what is wrong with it. */
function splitKey<T extends string>(
  key: unknown,
  types: ReadonlyMap<string, T>,
  index: number,
): { type: T; value: string } | { ok: false; issue: ProtocolIssue } {
  if (typeof key !== 'string') return refused(`entries[${index}].key`, 'must be a string');
  const colon = key.indexOf(':');
  const type = colon < 0 ? undefined : types.get(key.slice(0, colon));
  if (type === undefined)
    return refused(`entries[${index}].type`, `must be one of ${[...types.keys()].join(', ')}`);
  const length = key.length - colon - 1;
  if (length === 0 || length > MAX_ENTRY_VALUE_LENGTH) {
    return refused(
      `entries[${index}].value`,
      `must be a string of 1 to ${MAX_ENTRY_VALUE_LENGTH} characters`,
    );
  }
  return { type, value: key.slice(colon + 1) };
}

function refused(path: string, message: string): { ok: false; issue: ProtocolIssue } {
  return { ok: false, issue: { path, message } };
}
