import { domainHashOfBytes, domainHashOfString } from './hash';
import type { HitBuffer, HitKind } from './hit-buffer';
import { StringTable } from './string-table';

/**
 * Domain keys (entries or DOMAIN exclusions, always of two labels or more) in a StringTable. A lookup scans the
 * name once right to left; at each label boundary the hash state so far is the state of that suffix's key, so
 * every suffix is probed without a substring. The top-level label alone is never probed: no key is one label.
 * The hashing and the Bloom test are written out inline: this loop runs for every DNS name and URL host.
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
    if (table.size === 0) return 0;
    const bloomWords = table.bloom.words;
    const bloomLength = bloomWords.length;
    const first = hits.count;
    let state = 0x811c9dc5 | 0;
    let i = end - 1;
    // The top-level label: hashed, never probed. Each label is hashed by a loop of its own, which holds only the
    // state, the index and the text, so nothing of the probe below is kept (or spilled) across its characters.
    for (; i >= start; i--) {
      const code = text.charCodeAt(i);
      if (code === 0x2e) break;
      state = Math.imul(state ^ code, 0x01000193);
    }
    while (i >= start) {
      // text[i] is a dot: hash it and the label before it; then probe the suffix text[i + 1, end).
      state = Math.imul(state ^ 0x2e, 0x01000193);
      for (i--; i >= start; i--) {
        const code = text.charCodeAt(i);
        if (code === 0x2e) break;
        state = Math.imul(state ^ code, 0x01000193);
      }
      // finishHash and the Bloom test, inline.
      let hash = state ^ (state >>> 16);
      hash = Math.imul(hash, 0x85ebca6b);
      hash ^= hash >>> 13;
      hash = Math.imul(hash, 0xc2b2ae35);
      hash ^= hash >>> 16;
      const mixed = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
      const spread = Math.imul(mixed, 0x9e3779b1);
      const bits = (1 << (spread & 31)) | (1 << ((spread >>> 5) & 31)) | (1 << ((spread >>> 10) & 31));
      if ((bloomWords[(((mixed >>> 8) * bloomLength) / 16777216) | 0]! & bits) === bits) {
        const slot = table.find(hash, text, i + 1, end);
        if (slot >= 0) hits.push(kind, slot);
      }
    }
    hits.reverseFrom(first);
    return hits.count - first;
  }

  /** The slot of the longest key that equals text[start, end) or one of its label suffixes, or -1. */
  longestMatch(text: string, start: number, end: number, hits: HitBuffer, kind: HitKind): number {
    const first = hits.count;
    const found = this.lookup(text, start, end, hits, kind);
    hits.count = first;
    return found === 0 ? -1 : hits.slots[first]!;
  }
}
