import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, fullJitterDelay } from './backoff';

describe('fullJitterDelay', () => {
  it('waits between 0 and base * 2^attempt, never beyond the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (attempt, r) => {
          const delay = fullJitterDelay(attempt, DEFAULT_BACKOFF, () => r);
          const ceiling = Math.min(DEFAULT_BACKOFF.capMs, DEFAULT_BACKOFF.baseMs * 2 ** attempt);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(ceiling);
        },
      ),
    );
  });

  it('doubles the ceiling per attempt up to a minute', () => {
    const ceilings = [0, 1, 2, 5, 6, 7, 40].map((attempt) =>
      fullJitterDelay(attempt, DEFAULT_BACKOFF, () => 0.999999),
    );
    expect(ceilings).toEqual([999, 1999, 3999, 31999, 59999, 59999, 59999]);
  });

  it('spreads a crowd evenly instead of in waves', () => {
    const delays = Array.from({ length: 10_000 }, () => fullJitterDelay(3, { baseMs: 1000, capMs: 60_000 }));
    const buckets = [0, 0, 0, 0];
    for (const delay of delays) buckets[Math.floor(delay / 2000)]!++;
    for (const count of buckets) expect(count).toBeGreaterThan(2000);
  });
});
