import type { ThreatEvent } from '@threatline/protocol';

/**
 * A batch's events in the form they travel to PostgreSQL: rows of COPY's text format, which the worker streams into
 * a staging table as they are (neither the queue nor the worker builds or walks an object per event, and COPY is
 * PostgreSQL's cheapest way in), and the UTC days the events fall on, whose partitions the writer makes sure of.
 */
export interface EncodedEvents {
  /** One line per event, the fields of STAGED_EVENT_COLUMNS separated by tabs, `\N` for an absent field. */
  rows: string;
  /** The distinct UTC days (`YYYY-MM-DD`) of the events. */
  days: string[];
  count: number;
}

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
export function encodeEvents(events: readonly ThreatEvent[]): EncodedEvents {
  const days = new Set<string>();
  let lastDay = '';
  let rows = '';
  for (const event of events) {
    const occurredAt = canonical(event.occurredAt);
    // Consecutive events mostly share their day: compare before slicing a new string.
    if (lastDay === '' || !occurredAt.startsWith(lastDay)) {
      lastDay = occurredAt.slice(0, 10);
      days.add(lastDay);
    }
    rows += rowOf(event, occurredAt);
  }
  return { rows, days: [...days], count: events.length };
}

function rowOf(e: ThreatEvent, occurredAt: string): string {
  // Ids, times and enumerations need no escaping; free text is checked free of control characters (tabs and
  // newlines included), so a backslash is all COPY's text format needs escaped.
  return (
    `${occurredAt}\t${e.id}\t${text(e.auditId)}\t${e.source}\t${e.module}\t${e.action}\t${e.dryRun ? 't' : 'f'}\t` +
    `${e.moduleAction}\t${e.direction}\t${e.field}\t${text(e.indicator)}\t${e.indicatorType}\t${text(e.srcIp)}\t` +
    `${text(e.dstIp)}\t${text(e.domain)}\t${text(e.url)}\t${text(e.endpoint?.host)}\t${text(e.endpoint?.user)}\t` +
    `${text(e.endpoint?.process)}\n`
  );
}

function text(value: string | undefined): string {
  if (value === undefined) return '\\N';
  return value.includes('\\') ? value.replaceAll('\\', '\\\\') : value;
}

/**
 * `YYYY-MM-DDTHH:mm:ss.sssZ` as it is, anything else rewritten to it. Given a valid ISO datetime (the schema checked
 * that), 24 characters ending in Z with a dot at 19 leave room for exactly a 3-digit fraction.
 */
function canonical(occurredAt: string): string {
  const isCanonical = occurredAt.length === 24 && occurredAt[19] === '.' && occurredAt[23] === 'Z';
  return isCanonical ? occurredAt : new Date(occurredAt).toISOString();
}
