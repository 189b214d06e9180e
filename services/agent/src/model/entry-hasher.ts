import { Fnv1a64, type StateChecksum } from '@threatline/matcher';
import {
  checksumItem,
  type ExclusionEntry,
  type IndicatorEntry,
  type StreamEntry,
  type StreamShape,
} from './stream-entry';

/**
 * Moves a stream's StateChecksum by entries, hashing each entry's checksum item (`checksumItem`) from its parts
 * instead of building the item's text: FNV-1a streams, so the cached hash of `source|type|` (or `TYPE|`), then the
 * value, then `|auditId|dryRun` give the hash of the joined text. A 100,000-entry snapshot is summed without a
 * string per entry. Equal to summing `checksumItem` (a spec holds it to that).
 */
export class EntryHasher {
  private readonly hasher = new Fnv1a64();
  /** The hash of each type's `source|type|` (or `TYPE|`), the same for every entry of the type. */
  private readonly prefixes = new Map<string, Fnv1a64>();
  /** The `|auditId|dryRun` of the last indicator: a feed's entries come together and share it. */
  private lastAuditId = '';
  private lastDryRun = false;
  private lastSuffix = '';

  constructor(private readonly shape: StreamShape) {}

  add(sum: StateChecksum, entry: StreamEntry): void {
    if (this.shape.kind === 'settings') sum.add(checksumItem(this.shape, entry));
    else sum.addHash(this.hash(entry as IndicatorEntry | ExclusionEntry));
  }

  remove(sum: StateChecksum, entry: StreamEntry): void {
    if (this.shape.kind === 'settings') sum.remove(checksumItem(this.shape, entry));
    else sum.removeHash(this.hash(entry as IndicatorEntry | ExclusionEntry));
  }

  private hash(entry: IndicatorEntry | ExclusionEntry): Fnv1a64 {
    const hasher = this.hasher.copyFrom(this.prefix(entry.type)).update(entry.value);
    if (this.shape.kind !== 'indicators') return hasher;
    const { auditId, dryRun } = entry as IndicatorEntry;
    if (auditId !== this.lastAuditId || dryRun !== this.lastDryRun || this.lastSuffix === '') {
      this.lastAuditId = auditId;
      this.lastDryRun = dryRun;
      this.lastSuffix = `|${auditId}|${dryRun ? '1' : '0'}`;
    }
    return hasher.update(this.lastSuffix);
  }

  private prefix(type: string): Fnv1a64 {
    let prefix = this.prefixes.get(type);
    if (prefix === undefined) {
      const text = this.shape.kind === 'indicators' ? `${this.shape.source!}|${type}|` : `${type}|`;
      prefix = new Fnv1a64().update(text);
      this.prefixes.set(type, prefix);
    }
    return prefix;
  }
}
