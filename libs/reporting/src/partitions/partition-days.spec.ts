import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, dayOfPartition, partitionNameOf, utcDayOf } from './partition-days';

describe('daily partition names', () => {
  it('names the UTC day of an instant', () => {
    expect(partitionNameOf(utcDayOf(new Date('2026-11-23T23:59:59.999Z')))).toBe('threat_event_p20261123');
    expect(partitionNameOf(utcDayOf(new Date('2026-11-24T00:00:00.000Z')))).toBe('threat_event_p20261124');
    expect(partitionNameOf(utcDayOf(new Date('2026-11-24T01:30:00+02:00')))).toBe('threat_event_p20261123');
  });

  it('reads back the day of every name it makes', () => {
    const days = fc.integer({ min: 0, max: 80_000 }).map((n) => addDays(new Date(0), n));
    fc.assert(fc.property(days, (day) => dayOfPartition(partitionNameOf(day))?.getTime() === day.getTime()));
  });

  it('ignores tables that are not daily partitions', () => {
    for (const name of [
      'threat_event',
      'threat_event_p2026112',
      'threat_event_p20261332',
      'other_p20261123',
    ]) {
      expect(dayOfPartition(name)).toBeNull();
    }
  });
});
