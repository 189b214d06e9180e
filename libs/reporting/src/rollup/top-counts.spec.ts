import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listDeeper, pickTop, restLookup, type PeriodTop } from './top-counts';

/** A period's full counts, listed as a rollup stores them: its `size` most counted keys, then the rest. */
function listed(counts: Map<string, number>, size: number): { period: PeriodTop; rest: [string, number][] } {
  const ranked = [...counts].sort(([keyA, a], [keyB, b]) => b - a || (keyA < keyB ? -1 : 1));
  const rest = ranked.slice(size);
  return { period: { top: new Map(ranked.slice(0, size)), restMax: rest[0]?.[1] ?? 0 }, rest };
}

/**
 * What the summary does with a rollup's rest, kept in rank order: lists `depth` more of its keys while asked to go
 * deeper, then sums the keys asked over the rests asked.
 */
function settle(
  periods: { period: PeriodTop; rest: [string, number][] }[],
  known: Map<string, number>,
  top: number,
): [string, number][] {
  let tops = periods.map((entry) => entry.period);
  let listed = 0;
  for (let depth = 1; ; depth *= 2) {
    const lookup = restLookup(tops, known, top);
    if (lookup === null) return pickTop(tops, known, new Map(), top);
    if (!lookup.deeper) {
      const sums = new Map<string, number>();
      for (const index of lookup.periods) {
        for (const [key, count] of periods[index]!.rest.slice(listed)) {
          if (lookup.keys.has(key)) sums.set(key, (sums.get(key) ?? 0) + count);
        }
      }
      return pickTop(tops, known, sums, top);
    }
    tops = tops.map((period, index) => {
      const rest = periods[index]!.rest;
      return listDeeper(period, rest.slice(listed, listed + depth), rest[listed + depth]?.[1] ?? 0);
    });
    listed += depth;
  }
}

function naiveTop(all: Map<string, number>[], top: number): [string, number][] {
  const totals = new Map<string, number>();
  for (const counts of all) for (const [key, n] of counts) totals.set(key, (totals.get(key) ?? 0) + n);
  return [...totals].sort(([keyA, a], [keyB, b]) => b - a || (keyA < keyB ? -1 : 1)).slice(0, top);
}

const counts = fc
  .array(
    fc.tuple(
      fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'),
      fc.integer({ min: 1, max: 9 }),
    ),
  )
  .map((entries) => new Map(entries));

describe('pickTop', () => {
  it('equals the top of the summed counts, ties in key order, whatever the periods list', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(counts, fc.integer({ min: 0, max: 6 })), { maxLength: 8 }),
        counts,
        fc.integer({ min: 1, max: 5 }),
        (periodCounts, known, top) => {
          const periods = periodCounts.map(([full, size]) => listed(full, size));
          const all = [...periodCounts.map(([full]) => full), known];
          expect(settle(periods, known, top)).toEqual(naiveTop(all, top));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads no rest when the listed counts settle the top', () => {
    const periods = [
      listed(
        new Map([
          ['hot', 90],
          ['warm', 40],
          ['cold', 2],
          ['colder', 1],
        ]),
        2,
      ),
      listed(
        new Map([
          ['hot', 80],
          ['warm', 30],
          ['cold', 3],
        ]),
        2,
      ),
    ];
    const tops = periods.map((entry) => entry.period);
    expect(restLookup(tops, new Map(), 2)).toBeNull();
    expect(pickTop(tops, new Map(), new Map(), 2)).toEqual([
      ['hot', 170],
      ['warm', 70],
    ]);
  });

  it('sums only the keys that may still enter the top, over the rests of the periods that did not list them', () => {
    const periods = [
      listed(
        new Map([
          ['a', 50],
          ['b', 45],
          ['c', 5],
        ]),
        2,
      ),
      listed(
        new Map([
          ['a', 40],
          ['c', 44],
          ['b', 30],
        ]),
        2,
      ),
    ];
    const lookup = restLookup(
      periods.map((entry) => entry.period),
      new Map(),
      2,
    );
    expect(lookup).toEqual({ deeper: false, periods: [0, 1], keys: new Set(['b', 'c']) });
    expect(settle(periods, new Map(), 2)).toEqual([
      ['a', 90],
      ['b', 75],
    ]);
  });

  it('asks for deeper lists when a key no period lists could reach the top', () => {
    const periods = [
      listed(
        new Map([
          ['a', 5],
          ['b', 4],
          ['c', 4],
        ]),
        1,
      ),
      listed(
        new Map([
          ['d', 5],
          ['c', 4],
        ]),
        1,
      ),
    ];
    expect(
      restLookup(
        periods.map((entry) => entry.period),
        new Map(),
        1,
      ),
    ).toEqual({ deeper: true });
    expect(settle(periods, new Map(), 1)).toEqual([['c', 8]]);
  });
});
