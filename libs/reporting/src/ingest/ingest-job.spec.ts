import { describe, expect, it } from 'vitest';
import { makeThreatEvents } from '../testing/threat-events';
import { encodeEvents } from './encoded-events';
import { encodedBatchOf } from './ingest-job';

const job = { id: 'events-x', attempt: 1, attempts: 16 };
const head = { firewallId: 'f', batchId: 'b', receivedAt: '2026-11-24T10:00:00.000Z' };

describe('encodedBatchOf', () => {
  it('takes the rows of a batch from its job attachment', () => {
    const attachment = [Buffer.from('row 1\n'), Buffer.from('row 2\n')];
    const batch = encodedBatchOf(
      {
        ...head,
        rowsAttached: true,
        delimiter: '|',
        days: ['2026-11-24'],
        hours: ['2026-11-24T09'],
        count: 2,
      },
      { ...job, attachment },
    );
    expect(batch).toEqual({
      firewallId: 'f',
      batchId: 'b',
      receivedAt: new Date(head.receivedAt),
      events: { rows: attachment, delimiter: '|', days: ['2026-11-24'], hours: ['2026-11-24T09'], count: 2 },
    });
  });

  it('refuses a batch whose attachment is gone, naming it, instead of storing it as empty', () => {
    const payload = { ...head, rowsAttached: true as const, delimiter: '|', days: [], hours: [], count: 5 };
    expect(() => encodedBatchOf(payload, job)).toThrow(
      'batch b of firewall f: its rows are missing from Redis',
    );
  });

  it('still reads the older forms: rows inline (one tab-separated string in the oldest), events as objects', () => {
    const inline = encodedBatchOf({ ...head, rows: 'a\tb\n', days: ['2026-11-24'], count: 1 }, job);
    expect(inline.events).toEqual({ rows: ['a\tb\n'], delimiter: '\t', days: ['2026-11-24'], count: 1 });
    const pieces = encodedBatchOf(
      { ...head, rows: ['a|b\n'], delimiter: '|', days: [], hours: [], count: 1 },
      job,
    );
    expect(pieces.events.rows).toEqual(['a|b\n']);
    const events = makeThreatEvents(3);
    expect(encodedBatchOf({ ...head, events }, job).events).toEqual(encodeEvents(events));
  });
});
