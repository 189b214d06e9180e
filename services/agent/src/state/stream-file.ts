import { parseEntry, type StreamEntry, type StreamShape } from '../model/stream-entry';
import type { IndicatorEntry, ExclusionEntry, SettingsEntry } from '../model/stream-entry';

/**
 * One stream's entries on disk, one per line, in the compact form of the stream's kind: indicators
 * `type TAB value TAB auditId TAB 0|1` and exclusions `type TAB value` (the key is `type:value`, as the protocol
 * defines it), the settings entry as a JSON array `[key, settings]`. A field holding a tab, a newline or a
 * backslash (normalized values never do) makes its line a JSON array `[key, type, value, ...]` instead, so any
 * entry round-trips. Integrity is the manifest's business (it records each file's CRC); this codec checks the
 * structure, fast enough to load a million entries in about a second.
 */
export function encodeStreamEntries(shape: StreamShape, entries: Iterable<StreamEntry>): string {
  const lines: string[] = [];
  for (const entry of entries) {
    const fields = compact(shape, entry);
    const plain =
      shape.kind !== 'settings' && fields.every((field) => typeof field !== 'string' || !UNSAFE.test(field));
    lines.push(plain ? fields.slice(1).join('\t') : JSON.stringify(fields));
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

const UNSAFE = /[\t\n\r\\]/;

/** Lines decoded between two yields to the event loop: a running agent loads a large state while it already
 *  serves decisions, so no step may hold the loop for long. */
const LINES_PER_SLICE = 20_000;

/** The entries of a stream file, or a message naming the first bad line. */
export async function decodeStreamEntries(
  shape: StreamShape,
  text: string,
): Promise<Map<string, StreamEntry> | string> {
  const entries = new Map<string, StreamEntry>();
  let start = 0;
  let line = 1;
  while (start < text.length) {
    if (line % LINES_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    let end = text.indexOf('\n', start);
    if (end < 0) return `line ${line} is not terminated`;
    const raw = text.slice(start, end);
    let parsed: unknown;
    if (raw.startsWith('[')) {
      try {
        parsed = JSON.parse(raw);
      } catch {
        return `line ${line} is not JSON`;
      }
    } else {
      const fields: unknown[] = raw.split('\t');
      if (shape.kind === 'indicators') fields[3] = fields[3] === '1' ? 1 : fields[3] === '0' ? 0 : fields[3];
      parsed = [`${fields[0] as string}:${fields[1] as string}`, ...fields];
    }
    const entry = Array.isArray(parsed) ? parseEntry(shape, expand(shape, parsed)) : 'not an array';
    if (typeof entry === 'string') return `line ${line}: ${entry}`;
    if (entries.has(entry.key)) return `line ${line}: ${entry.key} appears twice`;
    entries.set(entry.key, entry);
    end++;
    start = end;
    line++;
  }
  return entries;
}

function compact(shape: StreamShape, entry: StreamEntry): unknown[] {
  switch (shape.kind) {
    case 'indicators': {
      const e = entry as IndicatorEntry;
      return [e.key, e.type, e.value, e.auditId, e.dryRun ? 1 : 0];
    }
    case 'exclusions': {
      const e = entry as ExclusionEntry;
      return [e.key, e.type, e.value];
    }
    case 'settings':
      return [entry.key, (entry as SettingsEntry).settings];
  }
}

function expand(shape: StreamShape, fields: unknown[]): unknown {
  switch (shape.kind) {
    case 'indicators': {
      const [key, type, value, auditId, dryRun] = fields;
      return { key, type, value, auditId, dryRun: dryRun === 1 ? true : dryRun === 0 ? false : dryRun };
    }
    case 'exclusions': {
      const [key, type, value] = fields;
      return { key, type, value };
    }
    case 'settings': {
      const [key, settings] = fields;
      return { key, settings };
    }
  }
}
