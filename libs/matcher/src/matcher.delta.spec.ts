import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as arb from './arbitraries.test-support';
import { MatcherInputError } from './errors';
import { Matcher } from './matcher';
import { ReferenceMatcher } from './reference-matcher.test-support';
import type { ExclusionEntry, IocEntry, MatcherDelta } from './types';

function sortedEntries(entries: IocEntry[]): string[] {
  return entries.map((e) => `${e.source}|${e.type}|${e.value}|${e.auditId}|${e.dryRun}`).sort();
}

function sortedExclusions(exclusions: ExclusionEntry[]): string[] {
  return exclusions.map((e) => `${e.type}|${e.value}`).sort();
}

/** Splits `items` at the given cut points (taken modulo its length). */
function batches<T>(items: T[], cuts: number[]): T[][] {
  const points = [...new Set(cuts.map((cut) => cut % (items.length + 1)))].sort((a, b) => a - b);
  const out: T[][] = [];
  let from = 0;
  for (const point of [...points, items.length]) {
    out.push(items.slice(from, point));
    from = point;
  }
  return out;
}

function expectSameState(live: Matcher, fresh: Matcher): void {
  expect(sortedEntries(live.entries())).toEqual(sortedEntries(fresh.entries()));
  expect(sortedExclusions(live.exclusions())).toEqual(sortedExclusions(fresh.exclusions()));
  expect(live.checksums()).toEqual(fresh.checksums());
}

describe('incremental deltas', () => {
  it('in any batching, leave the matcher equal to a fresh build of the resulting set', () => {
    fc.assert(
      fc.property(
        arb.scenario,
        fc.array(arb.delta, { maxLength: 120 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        ([entries, exclusions, checks], deltas, cuts) => {
          const live = Matcher.build(entries, exclusions);
          const reference = new ReferenceMatcher(entries, exclusions);
          for (const batch of batches(deltas, cuts)) {
            live.apply(batch);
            reference.apply(batch);
          }
          const fresh = Matcher.build([...reference.entries.values()], [...reference.exclusions.values()]);
          expectSameState(live, fresh);
          for (const [traffic, settings] of checks) {
            const decision = live.check(traffic, settings);
            expect(decision).toEqual(fresh.check(traffic, settings));
            expect(decision).toEqual(reference.check(traffic, settings));
          }
        },
      ),
      { numRuns: 300 },
    );
  }, 30_000);

  it('grow and shrink every table, and still equal a fresh build', () => {
    const added: IocEntry[] = [];
    for (let i = 0; i < 40_000; i++) {
      const a = i & 255;
      const b = (i >> 8) & 255;
      added.push(
        { value: `10.${b}.${a}.${i % 7}`, type: 'ipv4', source: 'MDR', auditId: `a${i % 13}`, dryRun: false },
        { value: `172.${b}.${a}.0/24`, type: 'cidr', source: 'XOPS', auditId: 'n', dryRun: i % 5 === 0 },
        {
          value: `host${i}.evil${i % 97}.com`,
          type: 'domain',
          source: i % 2 ? 'MDR' : 'XOPS',
          auditId: 'd',
          dryRun: false,
        },
        {
          value: `cdn${i % 31}.example.org/f/${i}.exe`,
          type: 'url',
          source: 'MDR',
          auditId: 'u',
          dryRun: false,
        },
      );
    }
    const live = Matcher.empty();
    live.apply(added.map((entry) => ({ op: 'add', entry })));
    const before = live.stats().bytes;
    const removed: MatcherDelta[] = added
      .filter((_, i) => i % 8 !== 0)
      .map((entry) => ({ op: 'remove', source: entry.source, value: entry.value }));
    live.apply(removed);
    const kept = added.filter((_, i) => i % 8 === 0);
    const fresh = Matcher.build(kept);
    expectSameState(live, fresh);
    expect(live.stats().bytes).toBeLessThan(before / 2);
    const settings = {
      mdr: { enabled: true, action: 'LOG_ONLY' as const },
      xops: { enabled: true, action: 'LOG_ONLY' as const },
    };
    for (let i = 0; i < 40_000; i += 997) {
      const traffic = {
        direction: 'outbound' as const,
        srcIp: `10.${(i >> 8) & 255}.${i & 255}.${i % 7}`,
        dstIp: `172.${(i >> 8) & 255}.${i & 255}.9`,
        domain: `x.host${i}.evil${i % 97}.com`,
        url: `http://cdn${i % 31}.example.org/f/${i}.exe`,
      };
      expect(live.check(traffic, settings)).toEqual(fresh.check(traffic, settings));
    }
  }, 60_000);

  it('replace an entry with the same source and value, and keep one per source', () => {
    const matcher = Matcher.build([
      { value: 'evil.com', type: 'domain', source: 'MDR', auditId: 'a1', dryRun: true },
    ]);
    matcher.apply([
      {
        op: 'add',
        entry: { value: 'evil.com', type: 'domain', source: 'MDR', auditId: 'a2', dryRun: false },
      },
      {
        op: 'add',
        entry: { value: 'evil.com', type: 'domain', source: 'XOPS', auditId: 'x1', dryRun: false },
      },
    ]);
    expect(sortedEntries(matcher.entries())).toEqual([
      'MDR|domain|evil.com|a2|false',
      'XOPS|domain|evil.com|x1|false',
    ]);
    matcher.apply([
      { op: 'remove', source: 'MDR', value: 'evil.com' },
      { op: 'remove', source: 'MDR', value: 'gone.com' },
    ]);
    expect(sortedEntries(matcher.entries())).toEqual(['XOPS|domain|evil.com|x1|false']);
  });

  it('reject a batch with a malformed value before applying any of it', () => {
    const matcher = Matcher.build([
      { value: '1.2.3.4', type: 'ipv4', source: 'MDR', auditId: 'a', dryRun: false },
    ]);
    const state = matcher.checksums();
    const bad: MatcherDelta[] = [
      { op: 'remove', source: 'MDR', value: '1.2.3.4' },
      { op: 'add', entry: { value: 'Evil.COM', type: 'domain', source: 'MDR', auditId: 'a', dryRun: false } },
    ];
    expect(() => matcher.apply(bad)).toThrow(MatcherInputError);
    expect(() => matcher.apply(bad)).toThrow(/delta 1 \(add\): not a normalized domain/);
    expect(matcher.checksums()).toEqual(state);
    expect(matcher.entries()).toHaveLength(1);
  });

  it('refuse entries and exclusions of the wrong shape, as sent over the wire', () => {
    const untyped = (value: unknown): MatcherDelta => value as MatcherDelta;
    for (const delta of [
      untyped({ op: 'add', entry: { value: 7, type: 'domain', source: 'MDR', auditId: 'a', dryRun: false } }),
      untyped({
        op: 'add',
        entry: { value: 'evil.com', type: 'fqdn', source: 'MDR', auditId: 'a', dryRun: false },
      }),
      untyped({
        op: 'add',
        entry: { value: 'evil.com', type: 'domain', source: 'ACME', auditId: 'a', dryRun: false },
      }),
      untyped({
        op: 'add',
        entry: { value: 'evil.com', type: 'domain', source: 'MDR', auditId: 'a', dryRun: 'no' },
      }),
      untyped({ op: 'addExclusion', exclusion: { type: 'FQDN', value: 'evil.com' } }),
      untyped({ op: 'removeExclusion', exclusion: { type: 'HOST', value: null } }),
      untyped({ op: 'remove', source: 'ACME', value: 'evil.com' }),
      untyped({ op: 'remove', source: 'MDR', value: 12 }),
      untyped({ op: 'replace', entry: {} }),
    ]) {
      expect(() => Matcher.empty().apply([delta]), JSON.stringify(delta)).toThrow(MatcherInputError);
    }
  });

  it.each([
    ['ipv4', '01.2.3.4'],
    ['ipv4', '1.2.3'],
    ['cidr', '10.0.0.1/8'],
    ['cidr', '10.0.0.0/32'],
    ['domain', 'com'],
    ['domain', 'a/b.com'],
    ['domain', '1.2.3.4'],
    ['domain', 'xn--é.com'],
    ['url', 'evil.com'],
    ['url', 'http://evil.com/'],
    ['url', 'EVIL.com/x'],
  ] as const)('refuse a %s entry of %j', (type, value) => {
    expect(() => Matcher.build([{ value, type, source: 'MDR', auditId: 'a', dryRun: false }])).toThrow(
      MatcherInputError,
    );
  });
});
