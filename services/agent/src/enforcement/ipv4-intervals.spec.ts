import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffIntervals, formatInterval, intervalOf, mergeIntervals } from './ipv4-intervals';

describe('IPv4 intervals', () => {
  it('reads addresses and networks', () => {
    expect(intervalOf('10.0.0.1')).toEqual([0x0a000001, 0x0a000001]);
    expect(intervalOf('10.0.0.0/8')).toEqual([0x0a000000, 0x0affffff]);
    expect(intervalOf('example.com')).toBeNull();
  });

  it('merges overlapping and adjacent intervals, and formats them as nftables elements', () => {
    const merged = mergeIntervals([
      intervalOf('10.0.1.0/24')!,
      intervalOf('10.0.0.0/24')!,
      intervalOf('10.0.0.7')!,
      intervalOf('10.0.3.1')!,
    ]);
    const shown = Array.from(merged.starts, (start, i) => formatInterval(start, merged.ends[i]!));
    expect(shown).toEqual(['10.0.0.0/23', '10.0.3.1']);
    expect(formatInterval(intervalOf('10.0.0.1')![0], intervalOf('10.0.0.9')![0])).toBe('10.0.0.1-10.0.0.9');
  });

  it('diffs so that removing then adding turns one interval list into the other', () => {
    const interval = fc
      .tuple(fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 0, max: 50 }))
      .map(([start, length]) => [start, start + length] as [number, number]);
    fc.assert(
      fc.property(fc.array(interval, { maxLength: 30 }), fc.array(interval, { maxLength: 30 }), (a, b) => {
        const before = mergeIntervals(a);
        const after = mergeIntervals(b);
        const { removed, added } = diffIntervals(before, after);
        const key = (s: number, e: number) => `${s}-${e}`;
        const set = new Set(Array.from(before.starts, (s, i) => key(s, before.ends[i]!)));
        removed.starts.forEach((s, i) => expect(set.delete(key(s, removed.ends[i]!))).toBe(true));
        added.starts.forEach((s, i) => set.add(key(s, added.ends[i]!)));
        expect([...set].sort()).toEqual(Array.from(after.starts, (s, i) => key(s, after.ends[i]!)).sort());
      }),
    );
  });
});
