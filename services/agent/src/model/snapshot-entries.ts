import { StateChecksum, type IocColumns, type IocSource } from '@threatline/matcher';
import { EntryHasher } from './entry-hasher';
import { IndicatorColumns } from './indicator-columns';
import {
  internAuditId,
  parseEntry,
  type IndicatorEntry,
  type StreamEntry,
  type StreamShape,
} from './stream-entry';

/** A snapshot's entries by key and their checksum, or a message naming what is wrong with them. */
export type SnapshotEntries = { entries: Map<string, StreamEntry>; sum: StateChecksum } | string;

/** Entries read between two yields to the event loop (a few milliseconds of work). */
export const SNAPSHOT_SLICE = 16_384;

export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Entries of unknown origin: each one checked by `parseEntry`, no key twice. */
export async function parseSnapshotEntries(
  shape: StreamShape,
  raw: readonly unknown[],
): Promise<SnapshotEntries> {
  const entries = new Map<string, StreamEntry>();
  const sum = new StateChecksum();
  const hasher = new EntryHasher(shape);
  for (let index = 0; index < raw.length; index++) {
    if ((index + 1) % SNAPSHOT_SLICE === 0) await nextTurn();
    const entry = parseEntry(shape, raw[index]);
    if (typeof entry === 'string') return entry;
    const size = entries.size;
    entries.set(entry.key, entry);
    if (entries.size === size) return `holds ${entry.key} twice`;
    hasher.add(sum, entry);
  }
  return { entries, sum };
}

/**
 * Entries @threatline/protocol's decoder has checked as entries of a stream of `shape` (the entry schema of the
 * stream's kind, each key the `<type>:<value>` of its own entry, no key twice): taken as they are, not parsed
 * again, so the agent holds the decoder's objects. Only their audit IDs are interned (a text snapshot carries one
 * string per entry). The keys are still counted, so a key twice is refused here too, at the price of a comparison.
 * A settings snapshot (one entry) gets the full check: its settings are read into the agent's own shape.
 */
export async function takeDecodedEntries(
  shape: StreamShape,
  decoded: readonly StreamEntry[],
): Promise<SnapshotEntries> {
  if (shape.kind === 'settings') return parseSnapshotEntries(shape, decoded);
  const entries = new Map<string, StreamEntry>();
  const sum = new StateChecksum();
  const hasher = new EntryHasher(shape);
  let auditId = '';
  let interned = '';
  for (let index = 0; index < decoded.length; index++) {
    if ((index + 1) % SNAPSHOT_SLICE === 0) await nextTurn();
    const entry = decoded[index]!;
    if (shape.kind === 'indicators') {
      const indicator = entry as IndicatorEntry;
      if (indicator.auditId !== auditId) interned = internAuditId((auditId = indicator.auditId));
      indicator.auditId = interned;
    }
    const size = entries.size;
    entries.set(entry.key, entry);
    if (entries.size === size) return `holds ${entry.key} twice`;
    hasher.add(sum, entry);
  }
  return { entries, sum };
}

/**
 * The indicators of a decoded snapshot (see `takeDecodedEntries`) as the matcher's build columns, their audit IDs
 * interned on the way (the stream keeps these objects). Neither indexed by key nor hashed: a key twice shows in the
 * build as a replacement, and a build without any gives the stream's checksum (AgentState.replaceFromColumns).
 */
export async function readDecodedColumns(
  source: IocSource,
  decoded: readonly IndicatorEntry[],
): Promise<IocColumns> {
  const columns = new IndicatorColumns(source, decoded.length);
  let auditId = '';
  let interned = '';
  for (let index = 0; index < decoded.length; index++) {
    if ((index + 1) % SNAPSHOT_SLICE === 0) await nextTurn();
    const indicator = decoded[index]!;
    if (indicator.auditId !== auditId) interned = internAuditId((auditId = indicator.auditId));
    indicator.auditId = interned;
    columns.add(indicator);
  }
  return columns.columns();
}
