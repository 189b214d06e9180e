import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as arb from './arbitraries.test-support';
import { ColumnsBuild, type IocColumns } from './columns-build';
import { MatcherInputError } from './errors';
import { Matcher } from './matcher';
import type { IocEntry } from './types';

/** Runs of one source as column sets, in order (audit IDs listed in order of first use). */
function columnsOf(entries: readonly IocEntry[]): IocColumns[] {
  const sets: IocColumns[] = [];
  let set: {
    source: IocEntry['source'];
    types: IocEntry['type'][];
    values: string[];
    auditIds: string[];
    audit: number[];
    dryRun: number[];
  } | null = null;
  for (const entry of entries) {
    if (set === null || set.source !== entry.source) {
      set = { source: entry.source, types: [], values: [], auditIds: [], audit: [], dryRun: [] };
      sets.push(set);
    }
    let position = set.auditIds.indexOf(entry.auditId);
    if (position < 0) position = set.auditIds.push(entry.auditId) - 1;
    set.types.push(entry.type);
    set.values.push(entry.value);
    set.audit.push(position);
    set.dryRun.push(entry.dryRun ? 1 : 0);
  }
  return sets.map((s) => ({ ...s, audit: Int32Array.from(s.audit), dryRun: Uint8Array.from(s.dryRun) }));
}

/** How many entries have the (source, value) of an earlier one. */
function repeats(entries: readonly IocEntry[]): number {
  const seen = new Set<string>();
  let count = 0;
  for (const entry of entries) {
    const identity = `${entry.source}|${entry.value}`;
    if (seen.has(identity)) count++;
    seen.add(identity);
  }
  return count;
}

describe('ColumnsBuild', () => {
  it('builds the matcher Matcher.build gives for the same entries: decisions, entries, checksums and bytes', () => {
    fc.assert(
      fc.property(
        arb.scenario,
        fc.nat(),
        fc.integer({ min: 1, max: 16 }),
        ([entries, exclusions, checks], split, step) => {
          const asColumns = entries.slice(0, split % (entries.length + 1));
          const asObjects = entries.slice(asColumns.length);
          const build = new ColumnsBuild(columnsOf(asColumns), asObjects, exclusions);
          while (!build.advance(step));
          const built = build.finish();
          const expected = Matcher.build(entries, exclusions);
          for (const [traffic, settings] of checks) {
            expect(built.check(traffic, settings)).toEqual(expected.check(traffic, settings));
          }
          expect(built.entries()).toEqual(expected.entries());
          expect(built.exclusions()).toEqual(expected.exclusions());
          expect(built.checksums()).toEqual(expected.checksums());
          // Compared as bytes: toEqual walks a typed array element by element (the network directory alone is 64 KB).
          expect(Buffer.compare(built.serialize(), expected.serialize())).toBe(0);
          expect(build.replaced).toBe(repeats(entries));
        },
      ),
      { numRuns: 400 },
    );
  }, 60_000);

  it('counts a value given both as a network and as a URL as a replacement, and keeps the later one', () => {
    const columns = columnsOf([
      { value: '10.0.0.0/8', type: 'cidr', source: 'MDR', auditId: 'a', dryRun: false },
      { value: '10.0.0.0/8', type: 'url', source: 'MDR', auditId: 'a', dryRun: false },
    ]);
    const build = new ColumnsBuild(columns);
    const matcher = build.finish();
    expect(build.replaced).toBe(1);
    expect(matcher.entries()).toEqual([
      { value: '10.0.0.0/8', type: 'url', source: 'MDR', auditId: 'a', dryRun: false },
    ]);
  });

  it('refuses a value that is not normalized, and an audit index outside the audit IDs', () => {
    const bad = columnsOf([
      { value: 'Evil.com', type: 'domain', source: 'MDR', auditId: 'a', dryRun: false },
    ]);
    expect(() => new ColumnsBuild(bad).finish()).toThrow(MatcherInputError);
    const unknownAudit = { ...columnsOf([arbitraryDomain()])[0]!, audit: [3] };
    expect(() => new ColumnsBuild([unknownAudit]).finish()).toThrow(MatcherInputError);
  });
});

function arbitraryDomain(): IocEntry {
  return { value: 'evil.com', type: 'domain', source: 'XOPS', auditId: 'a', dryRun: true };
}
