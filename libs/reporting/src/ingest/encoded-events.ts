import type { ThreatEvent } from '@threatline/protocol';

/**
 * A batch's events in the form they travel to PostgreSQL: rows of COPY's text format, which the worker streams into
 * a staging table as they are (neither the queue nor the worker builds or walks an object per event, and COPY is
 * PostgreSQL's cheapest way in), and the UTC days and hours the events fall on: the writer makes sure of the days'
 * partitions and marks the hours' summary rollups changed when the events came late.
 */
export interface EncodedEvents {
  /**
   * One line per event, the fields of STAGED_EVENT_COLUMNS separated by `delimiter`, `\N` for an absent field, in
   * pieces of whole lines of at most ROWS_PIECE_CHARS characters each (a longer line is a piece of its own): strings
   * as encodeEvents makes them, UTF-8 Buffers as the worker reads them from the job's attachment.
   */
  rows: readonly (string | Buffer)[];
  /** FIELD_DELIMITER; a tab in batches encoded before it (COPY's default). */
  delimiter: string;
  /** The distinct UTC days (`YYYY-MM-DD`) of the events. */
  days: string[];
  /**
   * The distinct UTC hours (`YYYY-MM-DDTHH`) of the events, whose summary rollups a late batch makes stale. Absent in
   * jobs enqueued before it: the writer then takes every hour of `days`.
   */
  hours?: string[];
  count: number;
}

/**
 * The field delimiter of the rows: printable, so that the JSON text of a queued job carries the rows as they are
 * (a tab is escaped as `\t` by JSON.stringify and unescaped by JSON.parse, 18 times a row, on the gateway's and
 * the worker's hot paths). COPY's text format takes it with the DELIMITER option; in a value it is escaped with a
 * backslash.
 */
export const FIELD_DELIMITER = '|';

/**
 * The size of a piece of EncodedEvents.rows. V8 puts a string of 128 KiB or more in a page of its own, mapped
 * afresh and faulted in page by page, which costs this machine about 1.4 ms for 380 KB (against 0.14 ms for the
 * same bytes in four strings): a batch's rows in one string (250 KB), flattened, copied into the job's JSON,
 * parsed out of it and extended by the worker, paid that several times. Pieces stay below it, in two-byte strings
 * too and with the worker's constants appended to each line (about 140 characters on 250).
 */
export const ROWS_PIECE_CHARS = 32_000;

/** The fields of a row of EncodedEvents.rows, in order: the columns of the staging table. */
export const STAGED_EVENT_COLUMNS = [
  'occurred_at',
  'id',
  'audit_id',
  'source',
  'module',
  'action',
  'dry_run',
  'module_action',
  'direction',
  'field',
  'indicator',
  'indicator_type',
  'src_ip',
  'dst_ip',
  'domain',
  'url',
  'endpoint_host',
  'endpoint_user',
  'endpoint_process',
] as const;

/**
 * Encodes validated events. An `occurredAt` is rewritten to the canonical form `YYYY-MM-DDTHH:mm:ss.sssZ` when it
 * is not in it already (an offset, or other than millisecond precision): the column keeps milliseconds, and the
 * day read off the string must be the one PostgreSQL routes the row to. Agents send the canonical form.
 */
export function encodeEvents(
  events: readonly ThreatEvent[],
  pieceChars = ROWS_PIECE_CHARS,
): EncodedEvents & { rows: string[]; hours: string[] } {
  const hours = new Set<string>();
  let lastHour = '';
  const rows: string[] = [];
  let piece = '';
  for (const event of events) {
    const occurredAt = canonical(event.occurredAt);
    // Consecutive events mostly share their hour: compare before slicing a new string.
    if (lastHour === '' || !occurredAt.startsWith(lastHour)) {
      lastHour = occurredAt.slice(0, 13);
      hours.add(lastHour);
    }
    const row = rowOf(event, occurredAt);
    if (piece.length > 0 && piece.length + row.length > pieceChars) {
      rows.push(piece);
      piece = '';
    }
    piece += row;
  }
  if (piece.length > 0) rows.push(piece);
  const days = [...new Set([...hours].map((hour) => hour.slice(0, 10)))];
  return { rows, delimiter: FIELD_DELIMITER, days, hours: [...hours], count: events.length };
}

function rowOf(e: ThreatEvent, occurredAt: string): string {
  // Ids, times and enumerations need no escaping; free text is checked free of control characters (tabs and
  // newlines included), so backslashes and the delimiter are all COPY's text format needs escaped.
  return (
    `${occurredAt}|${e.id}|${text(e.auditId)}|${e.source}|${e.module}|${e.action}|${e.dryRun ? 't' : 'f'}|` +
    `${e.moduleAction}|${e.direction}|${e.field}|${text(e.indicator)}|${e.indicatorType}|${text(e.srcIp)}|` +
    `${text(e.dstIp)}|${text(e.domain)}|${text(e.url)}|${text(e.endpoint?.host)}|${text(e.endpoint?.user)}|` +
    `${text(e.endpoint?.process)}\n`
  );
}

const ESCAPED = /[\\|]/g;

function text(value: string | undefined): string {
  if (value === undefined) return '\\N';
  return value.includes('\\') || value.includes('|') ? value.replace(ESCAPED, '\\$&') : value;
}

/**
 * `YYYY-MM-DDTHH:mm:ss.sssZ` as it is, anything else rewritten to it. Given a valid ISO datetime (the schema checked
 * that), 24 characters ending in Z with a dot at 19 leave room for exactly a 3-digit fraction.
 */
function canonical(occurredAt: string): string {
  const isCanonical = occurredAt.length === 24 && occurredAt[19] === '.' && occurredAt[23] === 'Z';
  return isCanonical ? occurredAt : new Date(occurredAt).toISOString();
}

const NEWLINE = 0x0a;

/**
 * `piece` with `lineEnd` in place of each newline: the bytes form of `replaceAll('\n', lineEnd)`, for rows read from
 * a job's attachment. UTF-8 never has the byte 0x0a inside a multi-byte character.
 */
export function endLines(piece: Buffer, lineEnd: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let newline = piece.indexOf(NEWLINE); newline >= 0; newline = piece.indexOf(NEWLINE, from)) {
    parts.push(piece.subarray(from, newline), lineEnd);
    from = newline + 1;
  }
  if (from < piece.length) parts.push(piece.subarray(from));
  return Buffer.concat(parts);
}
