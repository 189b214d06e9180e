import { describe, expect, it } from 'vitest';
import { makeThreatEvent, makeThreatEvents } from '../testing/threat-events';
import {
  encodeEvents,
  endLines,
  FIELD_DELIMITER,
  ROWS_PIECE_CHARS,
  STAGED_EVENT_COLUMNS,
} from './encoded-events';

describe('encodeEvents', () => {
  it('makes one COPY text row per event, fields in the staging order, backslashes and delimiters escaped, \\N when absent', () => {
    const event = makeThreatEvent({
      occurredAt: '2026-11-23T10:00:00.123Z',
      indicator: 'a\\b',
      domain: undefined,
      url: 'http://x.test/a|b\\c|',
      endpoint: { host: 'h', user: undefined, process: 'C:\\p.exe' },
    });
    const { rows, delimiter, count } = encodeEvents([event]);
    expect(count).toBe(1);
    expect(delimiter).toBe(FIELD_DELIMITER);
    expect(rows).toHaveLength(1);
    const [row] = rows as [string];
    expect(row.endsWith('\n')).toBe(true);
    // Split at the delimiters that are not escaped.
    const fields = row.slice(0, -1).split(/(?<!\\)\|/);
    expect(fields).toHaveLength(STAGED_EVENT_COLUMNS.length);
    const byColumn = Object.fromEntries(STAGED_EVENT_COLUMNS.map((column, i) => [column, fields[i]]));
    expect(byColumn).toMatchObject({
      occurred_at: '2026-11-23T10:00:00.123Z',
      id: event.id,
      dry_run: 'f',
      indicator: 'a\\\\b',
      domain: '\\N',
      url: 'http://x.test/a\\|b\\\\c\\|',
      endpoint_host: 'h',
      endpoint_user: '\\N',
      endpoint_process: 'C:\\\\p.exe',
    });
  });

  it('rewrites an occurredAt with an offset or other precision to UTC milliseconds, and lists the UTC days and hours', () => {
    const events = [
      makeThreatEvent({ occurredAt: '2026-11-23T01:30:00.1239+02:00' }),
      makeThreatEvent({ occurredAt: '2026-11-22T23:59:59Z' }),
      makeThreatEvent({ occurredAt: '2026-11-23T00:00:00.000Z' }),
    ];
    const { rows, days, hours } = encodeEvents(events);
    expect(
      rows
        .join('')
        .split('\n')
        .map((row) => row.split(FIELD_DELIMITER)[0]),
    ).toEqual(['2026-11-22T23:30:00.123Z', '2026-11-22T23:59:59.000Z', '2026-11-23T00:00:00.000Z', '']);
    expect(days).toEqual(['2026-11-22', '2026-11-23']);
    expect(hours).toEqual(['2026-11-22T23', '2026-11-23T00']);
  });

  it('cuts the rows into pieces of whole rows, none over ROWS_PIECE_CHARS unless a row alone is', () => {
    const events = makeThreatEvents(1000, (i) =>
      i === 500 ? { url: `https://x.test/${'a'.repeat(4000)}` } : {},
    );
    const { rows } = encodeEvents(events);
    expect(rows.length).toBeGreaterThan(1);
    for (const piece of rows) {
      expect(piece.endsWith('\n')).toBe(true);
      expect(piece.length).toBeLessThanOrEqual(ROWS_PIECE_CHARS);
    }
    expect(rows.join('')).toBe(events.map((event) => encodeEvents([event]).rows[0]).join(''));

    const long = makeThreatEvents(3, () => ({ url: `https://x.test/${'b'.repeat(4000)}` }));
    const pieces = encodeEvents(long, 1000).rows;
    expect(pieces).toEqual(long.map((event) => encodeEvents([event]).rows[0]));
  });
});

describe('endLines', () => {
  it('puts the line end in place of every newline of UTF-8 rows, as replaceAll does on their text', () => {
    const { rows } = encodeEvents([
      ...makeThreatEvents(3),
      makeThreatEvent({ endpoint: { host: 'hôte-ü', user: 'Jörg' } }),
    ]);
    const text = rows.join('');
    const lineEnd = '|tenant|firewall|2026-11-24T00:00:00.000Z\n';
    const ended = endLines(Buffer.from(text), Buffer.from(lineEnd));
    expect(ended.toString('utf8')).toBe(text.replaceAll('\n', lineEnd));
    expect(endLines(Buffer.from('a|b'), Buffer.from('|c\n')).toString()).toBe('a|b');
    expect(endLines(Buffer.alloc(0), Buffer.from('|c\n'))).toHaveLength(0);
  });
});
