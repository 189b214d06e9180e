import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../partitions/partition-days';
import { HORIZON_MARGIN_MS, HOUR_MS, lateHours, planSummary, SETTLE_MS } from './summary-plan';

const T0 = Date.parse('2026-11-01T00:00:00.000Z');

describe('planSummary', () => {
  it('covers each tenant from its horizon to the end exactly once, caching only settled hours away from the horizon', () => {
    const instant = fc.integer({ min: 0, max: 40 * DAY_MS });
    fc.assert(
      fc.property(instant, instant, instant, instant, (a, b, horizonAt, nowAt) => {
        const [from, to] = [T0 + Math.min(a, b), T0 + Math.max(a, b) + 1];
        const horizon = T0 + horizonAt;
        const now = T0 + nowAt;
        const plan = planSummary(
          [{ tenantId: 't', horizon: new Date(horizon) }],
          new Date(from),
          new Date(to),
          new Date(now),
        );
        const pieces = [
          ...plan.raw.map((range) => [range.from.getTime(), range.to.getTime()]),
          ...plan.periods.map((period) => {
            const start = period.start.getTime();
            const end = start + period.hours * HOUR_MS;
            expect(start % (period.hours * HOUR_MS)).toBe(0);
            expect(start).toBeGreaterThanOrEqual(horizon + HORIZON_MARGIN_MS);
            expect(end).toBeLessThanOrEqual(now - SETTLE_MS);
            return [start, end];
          }),
        ].sort((x, y) => x[0]! - y[0]!);
        const first = Math.max(from, horizon);
        if (first >= to) {
          expect(pieces).toEqual([]);
          return;
        }
        let at = first;
        for (const [start, end] of pieces) {
          expect(start).toBe(at);
          expect(end).toBeGreaterThan(start!);
          at = end!;
        }
        expect(at).toBe(to);
      }),
      { numRuns: 3000 },
    );
  });

  it('takes whole UTC days where it can, hours around them, and the unsettled end from the events', () => {
    const plan = planSummary(
      [{ tenantId: 't', horizon: new Date(T0 - 30 * DAY_MS) }],
      new Date('2026-11-01T21:30:00.000Z'),
      new Date('2026-11-03T02:05:00.000Z'),
      new Date('2026-11-03T02:05:00.000Z'),
    );
    expect(plan.raw.map((range) => [range.from.toISOString(), range.to.toISOString()])).toEqual([
      ['2026-11-01T21:30:00.000Z', '2026-11-01T22:00:00.000Z'],
      ['2026-11-03T01:00:00.000Z', '2026-11-03T02:05:00.000Z'],
    ]);
    expect(plan.periods.map((period) => [period.start.toISOString(), period.hours])).toEqual([
      ['2026-11-01T22:00:00.000Z', 1],
      ['2026-11-01T23:00:00.000Z', 1],
      ['2026-11-02T00:00:00.000Z', 24],
      ['2026-11-03T00:00:00.000Z', 1],
    ]);
  });
});

describe('lateHours', () => {
  it('keeps the hours that ended long enough ago for a summary to have cached them', () => {
    const now = Date.parse('2026-11-03T10:07:00.000Z');
    expect(lateHours(['2026-11-03T08', '2026-11-03T09', '2026-11-03T10', '2026-11-02T23'], now)).toEqual([
      '2026-11-03T08',
      '2026-11-02T23',
    ]);
    // Eight minutes after the hour ended: a summary may cache it two minutes later, so the batch marks it.
    expect(lateHours(['2026-11-03T09'], Date.parse('2026-11-03T10:08:00.000Z'))).toEqual(['2026-11-03T09']);
  });
});
