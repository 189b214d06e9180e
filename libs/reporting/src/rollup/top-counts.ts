/**
 * The exact `top` most counted keys (indicators, firewalls) of a range made of cached periods, each of which
 * lists only its most counted keys and the largest count among its other keys (`restMax`), plus counts known in
 * full (the partial hours counted from the events). Without reading every key of every period:
 *
 * A key's total is at least its known count plus its counts in the periods that list it (its lower bound), and at
 * most that plus the restMax of each period that does not list it (its upper bound); a key no period lists has at
 * most the sum of all restMax. Let θ be the `top`-th largest lower bound: at least `top` keys total θ or more, so
 * a key whose upper bound is below θ cannot be among the first `top` (ties included). The other keys' missing
 * counts are added up from the rests of the periods that did not list them, which makes their totals exact. When
 * a key no period lists could reach θ, the periods list their next most counted keys too (lowering the bound on
 * their rests) until none can.
 */

export interface PeriodTop {
  /** The period's most counted keys and their counts. */
  top: ReadonlyMap<string, number>;
  /** The largest count among the period's other keys; 0 when it has none. */
  restMax: number;
}

/**
 * What to read from the periods' rests so that pickTop is exact: the sums of some keys over some rests, or (when a
 * key no period lists may reach the top) the next most counted keys of every rest, to list them too (`deeper`).
 */
export type RestLookup = { deeper: true } | { deeper: false; periods: number[]; keys: ReadonlySet<string> };

interface Bounds {
  /** Each key's known count plus its counts in the periods that list it. */
  lower: Map<string, number>;
  /** Per key, the restMax of the periods that list it (a key's upper bound is its lower bound plus unlisted less this). */
  listedRest: Map<string, number>;
  /** The sum of every period's restMax: the most a key can have in periods that do not list it. */
  unlisted: number;
}

function boundsOf(periods: readonly PeriodTop[], known: ReadonlyMap<string, number>): Bounds {
  const lower = new Map(known);
  const listedRest = new Map<string, number>();
  let unlisted = 0;
  for (const { top, restMax } of periods) {
    unlisted += restMax;
    for (const [key, count] of top) {
      lower.set(key, (lower.get(key) ?? 0) + count);
      if (restMax > 0) listedRest.set(key, (listedRest.get(key) ?? 0) + restMax);
    }
  }
  return { lower, listedRest, unlisted };
}

/** The `top`-th largest value, or 0 when there are fewer. */
function threshold(values: Iterable<number>, top: number): number {
  const sorted = [...values].sort((a, b) => b - a);
  return sorted[top - 1] ?? 0;
}

/** The rests to read so that pickTop is exact; null when the listed counts settle it. */
export function restLookup(
  periods: readonly PeriodTop[],
  known: ReadonlyMap<string, number>,
  top: number,
): RestLookup | null {
  const { lower, listedRest, unlisted } = boundsOf(periods, known);
  const theta = threshold(lower.values(), top);
  if (unlisted > 0 && unlisted >= theta) return { deeper: true };
  const keys = new Set<string>();
  for (const [key, count] of lower) {
    const bound = count + unlisted - (listedRest.get(key) ?? 0);
    if (bound >= theta && bound > count) keys.add(key);
  }
  if (keys.size === 0) return null;
  const read = periods.flatMap((period, index) =>
    period.restMax > 0 && [...keys].some((key) => !period.top.has(key)) ? [index] : [],
  );
  return { deeper: false, periods: read, keys };
}

/** A period that lists its next most counted keys too: `next` (in rank order), then keys counted at most `restMax`. */
export function listDeeper(period: PeriodTop, next: readonly [string, number][], restMax: number): PeriodTop {
  return { top: new Map([...period.top, ...next]), restMax };
}

/**
 * The first `top` keys by count (most first, ties in code-unit order of the key) with their exact counts, given
 * the sums read from the rests as restLookup asked (`fromRests`, by key).
 */
export function pickTop(
  periods: readonly PeriodTop[],
  known: ReadonlyMap<string, number>,
  fromRests: ReadonlyMap<string, number>,
  top: number,
): [string, number][] {
  const totals = boundsOf(periods, known).lower;
  for (const [key, count] of fromRests) totals.set(key, (totals.get(key) ?? 0) + count);
  return [...totals]
    .sort(([keyA, a], [keyB, b]) => b - a || (keyA < keyB ? -1 : keyA > keyB ? 1 : 0))
    .slice(0, top);
}
