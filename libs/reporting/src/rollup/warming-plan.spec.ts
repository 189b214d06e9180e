import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../partitions/partition-days';
import { periodKey } from './rollup-freshness';
import { HORIZON_MARGIN_MS, HOUR_MS, planSummary, SETTLE_MS } from './summary-plan';
import { planWarming } from './warming-plan';

const T0 = Date.parse('2026-11-01T00:00:00.000Z');

describe('planWarming', () => {
  it('holds every rollup a later summary of the tenant may cache, and nothing near the horizon or unsettled', () => {
    const instant = fc.integer({ min: 0, max: 12 * DAY_MS });
    fc.assert(
      fc.property(instant, instant, instant, instant, fc.nat(3 * DAY_MS), (a, b, horizonAt, nowAt, later) => {
        const horizon = new Date(T0 + horizonAt);
        const now = new Date(T0 + nowAt);
        const days = planWarming({ tenantId: 't', horizon }, now);
        const warmed = days.flatMap((day) => (day.day ? [...day.hours, day.day] : day.hours));
        expect(new Set(warmed.map(periodKey)).size).toBe(warmed.length);
        for (const period of warmed) {
          expect(period.start.getTime()).toBeGreaterThanOrEqual(horizon.getTime() + HORIZON_MARGIN_MS);
          expect(period.start.getTime() + period.hours * HOUR_MS).toBeLessThanOrEqual(
            now.getTime() - SETTLE_MS,
          );
        }
        // Newest first, each day's hours inside it.
        for (let i = 1; i < days.length; i++)
          expect(days[i]!.start.getTime()).toBe(days[i - 1]!.start.getTime() - DAY_MS);
        for (const day of days) {
          for (const hour of day.hours)
            expect(Math.floor(hour.start.getTime() / DAY_MS) * DAY_MS).toBe(day.start.getTime());
        }
        // A summary later on (its horizon has moved on as much as its clock), of any range before the warming's now.
        const keys = new Set(warmed.map(periodKey));
        const [from, to] = [T0 + Math.min(a, b), T0 + Math.max(a, b) + 1];
        const plan = planSummary(
          [{ tenantId: 't', horizon: new Date(horizon.getTime() + later) }],
          new Date(from),
          new Date(Math.min(to, now.getTime())),
          new Date(now.getTime() + later),
        );
        for (const period of plan.periods) {
          if (period.start.getTime() + period.hours * HOUR_MS <= now.getTime() - SETTLE_MS) {
            expect(keys.has(periodKey(period)), periodKey(period)).toBe(true);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('lists the day being settled by its hours, whole days with their day rollup, newest first', () => {
    const days = planWarming(
      { tenantId: 't', horizon: new Date('2026-10-31T20:30:00.000Z') },
      new Date('2026-11-02T02:05:00.000Z'),
    );
    expect(
      days.map((day) => [
        day.start.toISOString().slice(0, 10),
        day.hours.map((hour) => hour.start.toISOString().slice(11, 13)).join(','),
        day.day?.hours ?? null,
      ]),
    ).toEqual([
      ['2026-11-02', '00', null],
      ['2026-11-01', Array.from({ length: 24 }, (_, h) => String(23 - h).padStart(2, '0')).join(','), 24],
      // The horizon's margin: from 21:30 + 1 h on, rounded up to the hour.
      ['2026-10-31', '23,22', null],
    ]);
  });
});
