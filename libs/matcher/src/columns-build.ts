import { ExclusionIndex } from './exclusion-index';
import { IocTables } from './ioc-tables';
import { Matcher } from './matcher';
import { IocTableSizes } from './table-sizes';
import type { ExclusionEntry, IocEntry, IocSource, IocType } from './types';

/**
 * One source's indicators as columns, entry i being (types[i], values[i], auditIds[audit[i]], dryRun[i] === 1):
 * how a stream's snapshot arrives (libs/protocol's columns-v1 body), with no object per entry.
 */
export interface IocColumns {
  source: IocSource;
  types: ArrayLike<IocType>;
  values: ArrayLike<string>;
  /** The distinct audit IDs the entries refer to. */
  auditIds: readonly string[];
  /** Per entry, its index in `auditIds`. */
  audit: ArrayLike<number>;
  /** Per entry, 1 for a dry run, else 0. */
  dryRun: ArrayLike<number>;
}

/**
 * A matcher built from indicator columns, plus entries as objects and exclusions, in steps (`advance`), so a
 * caller can yield between them. The result is the matcher `Matcher.build` gives for the same entries in the same
 * order (columns in order, then `entries`; a later (source, value) wins), table layout and bytes included.
 *
 * `replaced` counts the entries that replaced an earlier one with the same (source, value): a key twice, or a value
 * given both as a network and as a URL. When it is 0, each source's checksum (`checksums()`) is the sum over
 * every item given for that source, so a caller whose columns are all of a stream's entries can take it as the
 * stream's checksum instead of hashing every entry a second time.
 */
export class ColumnsBuild {
  private readonly iocs: IocTables;
  /** Reused for every column entry: the tables copy what they keep, so one scratch object serves them all. */
  private readonly scratch: IocEntry = { value: '', type: 'ipv4', source: 'MDR', auditId: '', dryRun: false };
  private set = 0;
  private index = 0;
  private objects = 0;
  private replacedCount = 0;

  constructor(
    private readonly columns: readonly IocColumns[],
    private readonly entries: readonly IocEntry[] = [],
    private readonly exclusionEntries: readonly ExclusionEntry[] = [],
  ) {
    const sizes = new IocTableSizes();
    for (const set of columns) {
      const { types, values } = set;
      for (let i = 0; i < values.length; i++) sizes.count(types[i]!, values[i]!);
    }
    for (let i = 0; i < entries.length; i++) sizes.count(entries[i]!.type, entries[i]!.value);
    this.iocs = IocTables.sized(sizes);
  }

  get replaced(): number {
    return this.replacedCount;
  }

  /**
   * Adds up to `count` more entries; returns whether every entry is in. Throws MatcherInputError on a value that
   * is not normalized (the build is then of no use).
   */
  advance(count: number): boolean {
    let budget = count;
    const iocs = this.iocs;
    const scratch = this.scratch;
    while (budget > 0 && this.set < this.columns.length) {
      const { source, types, values, auditIds, audit, dryRun } = this.columns[this.set]!;
      scratch.source = source;
      const end = Math.min(values.length, this.index + budget);
      for (let i = this.index; i < end; i++) {
        scratch.type = types[i]!;
        scratch.value = values[i]!;
        scratch.auditId = auditIds[audit[i]!]!;
        scratch.dryRun = dryRun[i] === 1;
        if (iocs.add(scratch)) this.replacedCount++;
      }
      budget -= end - this.index;
      this.index = end;
      if (end === values.length) {
        this.set++;
        this.index = 0;
      }
    }
    const entries = this.entries;
    const end = Math.min(entries.length, this.objects + budget);
    for (let i = this.objects; i < end; i++) if (iocs.add(entries[i]!)) this.replacedCount++;
    this.objects = end;
    return this.set === this.columns.length && this.objects === entries.length;
  }

  /** The rest of the entries, then the exclusions; the matcher. */
  finish(): Matcher {
    while (!this.advance(Number.MAX_SAFE_INTEGER));
    const exclusions = ExclusionIndex.empty();
    for (let i = 0; i < this.exclusionEntries.length; i++) exclusions.add(this.exclusionEntries[i]!);
    return Matcher.assemble(this.iocs, exclusions);
  }
}
