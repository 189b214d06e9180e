import type { IocColumns, IocSource, IocType } from '@threatline/matcher';
// A type only: the protocol's runtime (zod) is not loaded before the agent serves decisions.
import type { IndicatorColumns as DecodedColumns } from '@threatline/protocol';
import type { IndicatorEntry } from './stream-entry';

export type { DecodedColumns };

/**
 * A stream's indicators as the columns of @threatline/matcher's ColumnsBuild: the build then makes no object per
 * entry (as `Matcher.build` from the effective entries did). The entries' own type and value strings are listed;
 * audit IDs are numbered in order of first use, and a feed's entries come together, so most entries cost a string
 * comparison with the previous one's.
 */
export class IndicatorColumns {
  // Allocated at their final length: appending to a growing array of 100,000 strings measured three times slower.
  private readonly types: IocType[];
  private readonly values: string[];
  private readonly auditIds: string[] = [];
  private readonly positions = new Map<string, number>();
  private readonly audit: Int32Array;
  private readonly dryRun: Uint8Array;
  private count = 0;
  private lastAuditId: string | null = null;
  private lastPosition = 0;

  constructor(
    private readonly source: IocSource,
    capacity: number,
  ) {
    this.types = new Array<IocType>(capacity);
    this.values = new Array<string>(capacity);
    this.audit = new Int32Array(capacity);
    this.dryRun = new Uint8Array(capacity);
  }

  /** A stream's entries (however many it holds). */
  static of(source: IocSource, size: number, entries: Iterable<IndicatorEntry>): IocColumns {
    const columns = new IndicatorColumns(source, size);
    for (const entry of entries) columns.add(entry);
    return columns.columns();
  }

  /** Adds one entry (at most `capacity` in all). */
  add(entry: IndicatorEntry): void {
    const index = this.count++;
    this.types[index] = entry.type;
    this.values[index] = entry.value;
    if (entry.auditId !== this.lastAuditId) {
      let position = this.positions.get(entry.auditId);
      if (position === undefined) {
        position = this.auditIds.push(entry.auditId) - 1;
        this.positions.set(entry.auditId, position);
      }
      this.lastAuditId = entry.auditId;
      this.lastPosition = position;
    }
    this.audit[index] = this.lastPosition;
    this.dryRun[index] = entry.dryRun ? 1 : 0;
  }

  columns(): IocColumns {
    return {
      source: this.source,
      types: this.count === this.types.length ? this.types : this.types.slice(0, this.count),
      values: this.count === this.values.length ? this.values : this.values.slice(0, this.count),
      auditIds: this.auditIds,
      audit: this.audit.subarray(0, this.count),
      dryRun: this.dryRun.subarray(0, this.count),
    };
  }
}

/**
 * The entries of a snapshot that came as columns (libs/protocol's checked IndicatorColumns), with the agent's own
 * (interned) copies of its audit IDs, `auditIds[i]` standing for the columns' `auditIds[i]`.
 */
export function entriesOfColumns(columns: DecodedColumns, auditIds: readonly string[]): IndicatorEntry[] {
  const { count, keys, types, values, audit, dryRun } = columns;
  const entries = new Array<IndicatorEntry>(count);
  for (let index = 0; index < count; index++) {
    entries[index] = {
      // An indicators-bin-v1 body sends no keys: the key is the type and value (protocol's keyOfColumns).
      key: keys?.[index] ?? `${types[index]!}:${values[index]!}`,
      type: types[index]!,
      value: values[index]!,
      auditId: auditIds[audit[index]!]!,
      dryRun: dryRun[index] === 1,
    };
  }
  return entries;
}
