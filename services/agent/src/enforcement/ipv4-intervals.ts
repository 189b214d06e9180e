import { formatIpv4, parseIpv4 } from '@threatline/ioc';

/** Disjoint, non-adjacent IPv4 intervals in ascending order: starts[i]..ends[i], inclusive, as uint32. */
export interface Ipv4Intervals {
  starts: Float64Array;
  ends: Float64Array;
}

/** The interval of a normalized `a.b.c.d` or `a.b.c.d/n`, or null for anything else. */
export function intervalOf(value: string): [number, number] | null {
  const slash = value.indexOf('/');
  const address = parseIpv4(slash < 0 ? value : value.slice(0, slash));
  if (address === null) return null;
  if (slash < 0) return [address, address];
  const prefix = Number(value.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) return null;
  const size = 2 ** (32 - prefix);
  const start = address - (address % size);
  return [start, start + size - 1];
}

/** Merges intervals (overlapping or adjacent ones become one): nftables interval sets refuse overlaps. */
export function mergeIntervals(intervals: readonly (readonly [number, number])[]): Ipv4Intervals {
  const order = Array.from(intervals.keys()).sort((a, b) => intervals[a]![0] - intervals[b]![0]);
  const starts: number[] = [];
  const ends: number[] = [];
  for (const index of order) {
    const [start, end] = intervals[index]!;
    const last = ends.length - 1;
    if (last >= 0 && start <= ends[last]! + 1) {
      if (end > ends[last]!) ends[last] = end;
    } else {
      starts.push(start);
      ends.push(end);
    }
  }
  return { starts: Float64Array.from(starts), ends: Float64Array.from(ends) };
}

export const NO_INTERVALS: Ipv4Intervals = { starts: new Float64Array(0), ends: new Float64Array(0) };

/** The intervals of `before` that `after` lacks (to delete) and those of `after` that `before` lacks (to add). */
export function diffIntervals(
  before: Ipv4Intervals,
  after: Ipv4Intervals,
): { removed: Ipv4Intervals; added: Ipv4Intervals } {
  const removed: [number, number][] = [];
  const added: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < before.starts.length || j < after.starts.length) {
    const a = i < before.starts.length ? before.starts[i]! : Infinity;
    const b = j < after.starts.length ? after.starts[j]! : Infinity;
    if (a === b && before.ends[i] === after.ends[j]) {
      i++;
      j++;
    } else if (a < b || (a === b && before.ends[i]! < after.ends[j]!)) {
      removed.push([a, before.ends[i++]!]);
    } else {
      added.push([b, after.ends[j++]!]);
    }
  }
  return { removed: fromPairs(removed), added: fromPairs(added) };
}

/** An nftables element: an address, a CIDR network when the interval is one, else a range. */
export function formatInterval(start: number, end: number): string {
  if (start === end) return formatIpv4(start);
  const size = end - start + 1;
  if (Number.isInteger(Math.log2(size)) && start % size === 0) {
    return `${formatIpv4(start)}/${32 - Math.log2(size)}`;
  }
  return `${formatIpv4(start)}-${formatIpv4(end)}`;
}

function fromPairs(pairs: [number, number][]): Ipv4Intervals {
  return { starts: Float64Array.from(pairs, (p) => p[0]), ends: Float64Array.from(pairs, (p) => p[1]) };
}
