import { domainHashOfBytes, domainHashOfString } from './hash';
import type { HitBuffer, HitKind } from './hit-buffer';
import { StringTable } from './string-table';

/**
 * Domain keys (entries or DOMAIN exclusions, always of two labels or more) in a StringTable. A lookup scans the
 * name once right to left; at each label boundary the hash state so far is the state of that suffix's key, so
 * every suffix is probed without a substring. The top-level label alone is never probed: no key is one label.
 * The hashing and the Bloom tests are written out inline: this loop runs for every DNS name and URL host.
 */
export class DomainIndex {
  /** Per label suffix of the name being looked up (at most 127 in a 253-character name): its hash, its start, and
   *  whether it passed the Bloom test. */
  private suffixHashes = new Int32Array(128);
  private suffixStarts = new Int32Array(128);
  private suffixMaybe = new Uint8Array(128);

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
   *  returns how many. Three passes: the hash state at every label boundary (one scan right to left), then every
   *  suffix's Bloom test with no branch between them (the loads, mostly cache misses, overlap), then table probes
   *  only when a test passed, which for most traffic is never. */
  lookup(text: string, start: number, end: number, hits: HitBuffer, kind: HitKind): number {
    const table = this.table;
    if (table.size === 0) return 0;
    // A suffix needs a dot and a character before it: (end - start) / 2 + 1 of them at most.
    if (end - start > 2 * (this.suffixHashes.length - 1)) this.growScratch(end - start);
    const hashes = this.suffixHashes;
    const starts = this.suffixStarts;
    let count = 0;
    let state = 0x811c9dc5 | 0;
    let dots = 0;
    for (let i = end - 1; ; i--) {
      const code = i >= start ? text.charCodeAt(i) : 0x2e;
      if (code === 0x2e && dots++ > 0) {
        hashes[count] = state;
        starts[count++] = i + 1;
      }
      if (i < start) break;
      state = Math.imul(state ^ code, 0x01000193);
    }
    const bloomWords = table.bloom.words;
    const bloomLength = bloomWords.length;
    const maybe = this.suffixMaybe;
    let any = 0;
    for (let j = 0; j < count; j++) {
      // finishHash and the Bloom test of the suffix, inline.
      const suffixState = hashes[j]!;
      let hash = suffixState ^ (suffixState >>> 16);
      hash = Math.imul(hash, 0x85ebca6b);
      hash ^= hash >>> 13;
      hash = Math.imul(hash, 0xc2b2ae35);
      hash ^= hash >>> 16;
      hashes[j] = hash;
      const mixed = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
      const spread = Math.imul(mixed, 0x9e3779b1);
      const bits = (1 << (spread & 31)) | (1 << ((spread >>> 5) & 31)) | (1 << ((spread >>> 10) & 31));
      const missing = (bloomWords[(((mixed >>> 8) * bloomLength) / 16777216) | 0]! & bits) ^ bits;
      // x | -x has the sign bit set for every int32 x but 0: 1 when no bit is missing.
      const passed = ((missing | (0 - missing)) >>> 31) ^ 1;
      maybe[j] = passed;
      any |= passed;
    }
    if (any === 0) return 0;
    const first = hits.count;
    // The longest suffix (the most specific) was found last.
    for (let j = count - 1; j >= 0; j--) {
      if (maybe[j] === 0) continue;
      const slot = table.find(hashes[j]!, text, starts[j]!, end);
      if (slot >= 0) hits.push(kind, slot);
    }
    return hits.count - first;
  }

  /** Room for the suffixes of a text of `length` characters (a URL host can be longer than a DNS name). */
  private growScratch(length: number): void {
    const size = (length >>> 1) + 2;
    this.suffixHashes = new Int32Array(size);
    this.suffixStarts = new Int32Array(size);
    this.suffixMaybe = new Uint8Array(size);
  }

  /** The slot of the longest key that equals text[start, end) or one of its label suffixes, or -1. */
  longestMatch(text: string, start: number, end: number, hits: HitBuffer, kind: HitKind): number {
    const first = hits.count;
    const found = this.lookup(text, start, end, hits, kind);
    hits.count = first;
    return found === 0 ? -1 : hits.slots[first]!;
  }
}
