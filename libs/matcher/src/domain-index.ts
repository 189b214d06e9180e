import { finishHash, hashStep, HASH_SEED, domainHashOfBytes, domainHashOfString } from './hash';
import type { HitBuffer, HitKind } from './hit-buffer';
import { StringTable } from './string-table';

/**
 * Domain keys (entries or DOMAIN exclusions) in a StringTable. A lookup scans the name once right to left; at each
 * label boundary the hash state so far is the state of that suffix's key, so every suffix is probed without a
 * substring: first the Bloom filter, then the table, whose arena comparison rules out hash collisions.
 */
export class DomainIndex {
  constructor(readonly table: StringTable) {}

  static empty(): DomainIndex {
    return new DomainIndex(new StringTable(domainHashOfBytes));
  }

  static forCount(count: number, arenaWords: number): DomainIndex {
    return new DomainIndex(StringTable.forCount(domainHashOfBytes, count, arenaWords));
  }

  find(name: string): number {
    return this.table.find(domainHashOfString(name, 0, name.length), name, 0, name.length);
  }

  insert(name: string): number {
    return this.table.insert(domainHashOfString(name, 0, name.length), name);
  }

  /** Pushes a hit for every key equal to text[start, end) or to one of its label suffixes, most specific first;
   *  returns how many. */
  lookup(text: string, start: number, end: number, hits: HitBuffer, kind: HitKind): number {
    const table = this.table;
    const bloom = table.bloom;
    const first = hits.count;
    let state = HASH_SEED;
    for (let i = end - 1; ; i--) {
      const code = i >= start ? text.charCodeAt(i) : 0x2e;
      if (code === 0x2e) {
        const hash = finishHash(state);
        if (bloom.mayContain(hash)) {
          const slot = table.find(hash, text, i + 1, end);
          if (slot >= 0) hits.push(kind, slot);
        }
        if (i < start) break;
      }
      state = hashStep(state, code);
    }
    hits.reverseFrom(first);
    return hits.count - first;
  }

  /** The slot of the longest key that equals text[start, end) or one of its label suffixes, or -1. */
  longestMatch(text: string, start: number, end: number): number {
    let state = HASH_SEED;
    let best = -1;
    for (let i = end - 1; ; i--) {
      const code = i >= start ? text.charCodeAt(i) : 0x2e;
      if (code === 0x2e) {
        const hash = finishHash(state);
        if (this.table.bloom.mayContain(hash)) {
          const slot = this.table.find(hash, text, i + 1, end);
          if (slot >= 0) best = slot;
        }
        if (i < start) break;
      }
      state = hashStep(state, code);
    }
    return best;
  }
}
