// A hand-written check of indicator and exclusion entries: a snapshot holds 100,000 of them and zod takes over a
// second for that, this a few milliseconds. It accepts exactly what the zod schemas of entries.ts accept (a
// property test holds them together); settings entries, one per stream, go through zod.

import {
  MAX_AUDIT_ID_LENGTH,
  MAX_ENTRY_VALUE_LENGTH,
  entryKey,
  settingsEntrySchema,
  type ExclusionType,
  type IndicatorType,
  type StreamEntry,
} from './entries';
import type { StreamKind } from './stream-ids';

export interface EntryIssue {
  /** Inside the entry, e.g. `['value']`; empty for the entry as a whole. */
  path: (string | number)[];
  message: string;
}

const INDICATOR_TYPES: ReadonlySet<string> = new Set<IndicatorType>(['ipv4', 'cidr', 'domain', 'url']);
const EXCLUSION_TYPES: ReadonlySet<string> = new Set<ExclusionType>([
  'IP',
  'NETWORK',
  'DOMAIN',
  'URL',
  'HOST',
]);
const INDICATOR_FIELDS: ReadonlySet<string> = new Set(['key', 'type', 'value', 'auditId', 'dryRun']);
const EXCLUSION_FIELDS: ReadonlySet<string> = new Set(['key', 'type', 'value']);

/** The first problem of `value` as an entry of a `kind` stream, or null when it is one. */
export function entryIssue(kind: StreamKind, value: unknown): EntryIssue | null {
  switch (kind) {
    case 'indicators':
      return keyedEntryIssue(value, INDICATOR_TYPES, INDICATOR_FIELDS, true);
    case 'exclusions':
      return keyedEntryIssue(value, EXCLUSION_TYPES, EXCLUSION_FIELDS, false);
    case 'settings': {
      const result = settingsEntrySchema.safeParse(value);
      if (result.success) return null;
      const issue = result.error.issues[0];
      return { path: (issue?.path ?? []).map(pathPart), message: issue?.message ?? 'invalid settings entry' };
    }
  }
}

/** Whether `value` is an entry of a `kind` stream. */
export function isEntryOf(kind: StreamKind, value: unknown): value is StreamEntry {
  return entryIssue(kind, value) === null;
}

function keyedEntryIssue(
  value: unknown,
  types: ReadonlySet<string>,
  fields: ReadonlySet<string>,
  indicator: boolean,
): EntryIssue | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { path: [], message: 'must be an object' };
  }
  const entry = value as Record<string, unknown>;
  for (const field in entry) {
    if (!fields.has(field)) return { path: [], message: `unknown field "${field}"` };
  }
  if (typeof entry.key !== 'string') return { path: ['key'], message: 'must be a string' };
  if (typeof entry.type !== 'string' || !types.has(entry.type)) {
    return { path: ['type'], message: `must be one of ${[...types].join(', ')}` };
  }
  const text = entry.value;
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_ENTRY_VALUE_LENGTH) {
    return { path: ['value'], message: `must be a string of 1 to ${MAX_ENTRY_VALUE_LENGTH} characters` };
  }
  if (indicator) {
    const auditId = entry.auditId;
    if (typeof auditId !== 'string' || auditId.length === 0 || auditId.length > MAX_AUDIT_ID_LENGTH) {
      return { path: ['auditId'], message: `must be a string of 1 to ${MAX_AUDIT_ID_LENGTH} characters` };
    }
    if (typeof entry.dryRun !== 'boolean') return { path: ['dryRun'], message: 'must be true or false' };
  }
  if (entry.key !== entryKey(entry.type as IndicatorType | ExclusionType, text)) {
    return {
      path: ['key'],
      message: indicator ? 'key must be "<type>:<value>"' : 'key must be "<TYPE>:<value>"',
    };
  }
  return null;
}

function pathPart(part: PropertyKey): string | number {
  return typeof part === 'number' ? part : String(part);
}
