import type { ThreatEvent } from '@threatline/protocol';

/**
 * A batch's events in the form they travel to PostgreSQL: one JSON text that the INSERT unpacks itself
 * (json_to_recordset), so neither the queue nor the worker builds or walks an object per event, and the UTC days
 * the events fall on, which the writer needs to make sure their partitions exist.
 */
export interface EncodedEvents {
  /** JSON array of threat events, each `occurredAt` in the canonical form `YYYY-MM-DDTHH:mm:ss.sssZ`. */
  json: string;
  /** The distinct UTC days (`YYYY-MM-DD`) of the events. */
  days: string[];
  count: number;
}

/**
 * Encodes validated events. An `occurredAt` is rewritten to the canonical form when it is not in it already (an
 * offset, or other than millisecond precision): the column keeps milliseconds, and the day read off the string
 * must be the one PostgreSQL routes the row to. Agents send the canonical form, so the events are rarely copied.
 */
export function encodeEvents(events: readonly ThreatEvent[]): EncodedEvents {
  const days = new Set<string>();
  let lastDay = '';
  const canonical = events.map((event) => {
    const at = isCanonical(event.occurredAt)
      ? event
      : { ...event, occurredAt: new Date(event.occurredAt).toISOString() };
    // Consecutive events mostly share their day: compare before slicing a new string.
    if (lastDay === '' || !at.occurredAt.startsWith(lastDay)) {
      lastDay = at.occurredAt.slice(0, 10);
      days.add(lastDay);
    }
    return at;
  });
  return { json: JSON.stringify(canonical), days: [...days], count: events.length };
}

/**
 * `YYYY-MM-DDTHH:mm:ss.sssZ`, given a valid ISO datetime (the schema checked that): 24 characters ending in Z
 * leave room for exactly a 3-digit fraction.
 */
function isCanonical(occurredAt: string): boolean {
  return occurredAt.length === 24 && occurredAt[19] === '.' && occurredAt[23] === 'Z';
}
