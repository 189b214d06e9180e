import { Bloom } from './bloom';
import { capacityFor } from './u32-table';

/** Hashes a stored key from its arena bytes; must equal the hash the lookups compute from strings. */
export type BytesHasher = (bytes: Uint8Array, start: number, end: number) => number;

const MIN_CAPACITY = 16;
const MAX_LOAD = 0.7;
const MIN_LOAD = 0.15;
/** Words before a record's bytes: value0, value1. */
const HEADER_WORDS = 2;
/** Arena word 0 is never a record, so 0 in `slots` means empty. */
const FIRST_RECORD = 1;
export const MAX_KEY_LENGTH = 0xffff;

/**
 * Open addressing from an ASCII string key to two int32 values, with the keys in a byte arena instead of one JS
 * string per entry. A record is [value0][value1][length u16][bytes...] padded to a 4-byte word; `slots` holds
 * record word offsets. Linear probing, backward-shift deletion (no tombstones); removed records are garbage in the
 * arena until compaction, which runs when garbage passes half the arena. A Bloom filter in front lets lookups
 * skip most misses without touching the slots or the arena.
 */
export class StringTable {
  slots: Int32Array;
  capacity: number;
  mask: number;
  size = 0;
  words: Int32Array;
  bytes: Uint8Array;
  /** Arena words in use, including garbage. */
  used = FIRST_RECORD;
  garbage = 0;
  bloom: Bloom;
  /** Keys removed since the Bloom filter was built; their bits are still set. */
  private staleBloomKeys = 0;

  constructor(
    private readonly hashBytes: BytesHasher,
    capacity = MIN_CAPACITY,
    arenaWords = 64,
    bloomKeys = 0,
  ) {
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.slots = new Int32Array(capacity);
    this.words = new Int32Array(Math.max(arenaWords, FIRST_RECORD));
    this.bytes = new Uint8Array(this.words.buffer, this.words.byteOffset, this.words.byteLength);
    this.bloom = Bloom.forKeys(bloomKeys);
  }

  /** A table sized for `count` keys whose records take `arenaWords` in all (see recordWords). */
  static forCount(hashBytes: BytesHasher, count: number, arenaWords: number): StringTable {
    return new StringTable(hashBytes, capacityFor(count), FIRST_RECORD + arenaWords, count);
  }

  static fromParts(
    hashBytes: BytesHasher,
    parts: { slots: Int32Array; words: Int32Array; size: number; garbage: number; bloom: Bloom },
  ): StringTable {
    const table = new StringTable(hashBytes, parts.slots.length, 0);
    table.slots = parts.slots;
    table.size = parts.size;
    table.words = parts.words;
    table.bytes = new Uint8Array(parts.words.buffer, parts.words.byteOffset, parts.words.byteLength);
    table.used = parts.words.length;
    table.garbage = parts.garbage;
    table.bloom = parts.bloom;
    return table;
  }

  /** The slot whose key equals text[start, end), or -1. */
  find(hash: number, text: string, start: number, end: number): number {
    const slots = this.slots;
    let i = hash & this.mask;
    for (;;) {
      const record = slots[i]!;
      if (record === 0) return -1;
      if (this.recordEquals(record, text, start, end)) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** The slot whose key equals head[headStart, headEnd) + tail[tailStart, tailEnd), or -1. */
  findJoined(
    hash: number,
    head: string,
    headStart: number,
    headEnd: number,
    tail: string,
    tailStart: number,
    tailEnd: number,
  ): number {
    const slots = this.slots;
    const bytes = this.bytes;
    const headLength = headEnd - headStart;
    const length = headLength + tailEnd - tailStart;
    let i = hash & this.mask;
    for (;;) {
      const record = slots[i]!;
      if (record === 0) return -1;
      let at = (record + HEADER_WORDS) << 2;
      if ((bytes[at]! | (bytes[at + 1]! << 8)) === length) {
        at += 2;
        let same = true;
        for (let j = 0; same && j < headLength; j++) same = bytes[at + j] === head.charCodeAt(headStart + j);
        at += headLength;
        for (let j = tailStart; same && j < tailEnd; j++)
          same = bytes[at + j - tailStart] === tail.charCodeAt(j);
        if (same) return i;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** The slot holding `key` (ASCII, at most MAX_KEY_LENGTH), inserting it with values (0, 0) when absent. */
  insert(hash: number, key: string): number {
    const found = this.find(hash, key, 0, key.length);
    if (found >= 0) return found;
    if (this.size + 1 > this.capacity * MAX_LOAD) this.resize(this.capacity * 2);
    const record = this.appendRecord(key);
    let i = hash & this.mask;
    while (this.slots[i] !== 0) i = (i + 1) & this.mask;
    this.slots[i] = record;
    this.size++;
    if (this.size > this.bloom.sizedFor) this.rebuildBloom();
    else this.bloom.add(hash);
    return i;
  }

  value0(slot: number): number {
    return this.words[this.slots[slot]!]!;
  }

  value1(slot: number): number {
    return this.words[this.slots[slot]! + 1]!;
  }

  setValues(slot: number, value0: number, value1: number): void {
    const record = this.slots[slot]!;
    this.words[record] = value0;
    this.words[record + 1] = value1;
  }

  keyAt(slot: number): string {
    return this.recordKey(this.slots[slot]!);
  }

  /** Removes the key in `slot`; other slots may move. */
  removeAt(slot: number): void {
    const record = this.slots[slot]!;
    this.garbage += recordWords(this.recordLength(record));
    this.size--;
    this.shiftBack(slot);
    this.staleBloomKeys++;
    if (this.capacity > MIN_CAPACITY && this.size < this.capacity * MIN_LOAD) this.resize(this.capacity / 2);
    if (this.garbage * 2 > this.used) this.compact();
    if (this.staleBloomKeys * 2 > this.size + 64) this.rebuildBloom();
  }

  forEachSlot(visit: (slot: number) => void): void {
    for (let i = 0; i < this.capacity; i++) if (this.slots[i] !== 0) visit(i);
  }

  /** Every byte the table holds (slots, arena, Bloom filter). */
  byteLength(): number {
    return this.slots.byteLength + this.words.byteLength + this.bloom.byteLength();
  }

  /** The arena trimmed to its used words, for the serializer. */
  usedWords(): Int32Array {
    return this.words.subarray(0, this.used);
  }

  private recordLength(record: number): number {
    const at = (record + HEADER_WORDS) << 2;
    return this.bytes[at]! | (this.bytes[at + 1]! << 8);
  }

  private recordEquals(record: number, text: string, start: number, end: number): boolean {
    const bytes = this.bytes;
    let at = (record + HEADER_WORDS) << 2;
    if ((bytes[at]! | (bytes[at + 1]! << 8)) !== end - start) return false;
    at += 2 - start;
    for (let j = start; j < end; j++) if (bytes[at + j] !== text.charCodeAt(j)) return false;
    return true;
  }

  private recordKey(record: number): string {
    const at = ((record + HEADER_WORDS) << 2) + 2;
    let key = '';
    const end = at + this.recordLength(record);
    for (let j = at; j < end; j++) key += String.fromCharCode(this.bytes[j]!);
    return key;
  }

  private recordHash(record: number): number {
    const at = ((record + HEADER_WORDS) << 2) + 2;
    return this.hashBytes(this.bytes, at, at + this.recordLength(record));
  }

  private appendRecord(key: string): number {
    const size = recordWords(key.length);
    if (this.used + size > this.words.length) {
      this.reallocateArena(Math.max(this.used + size, Math.ceil(this.words.length * 1.5)));
    }
    const record = this.used;
    this.used += size;
    this.words[record] = 0;
    this.words[record + 1] = 0;
    const at = (record + HEADER_WORDS) << 2;
    this.bytes[at] = key.length & 0xff;
    this.bytes[at + 1] = key.length >>> 8;
    for (let j = 0; j < key.length; j++) this.bytes[at + 2 + j] = key.charCodeAt(j);
    return record;
  }

  private reallocateArena(length: number): void {
    const words = new Int32Array(length);
    words.set(this.words.subarray(0, this.used));
    this.words = words;
    this.bytes = new Uint8Array(words.buffer);
  }

  /** Copies live records into a fresh arena, in slot order, and points the slots at the copies. */
  private compact(): void {
    const live = this.used - this.garbage;
    const words = new Int32Array(Math.max(FIRST_RECORD, Math.ceil(live * 1.25)));
    let used = FIRST_RECORD;
    for (let i = 0; i < this.capacity; i++) {
      const record = this.slots[i]!;
      if (record === 0) continue;
      const size = recordWords(this.recordLength(record));
      words.set(this.words.subarray(record, record + size), used);
      this.slots[i] = used;
      used += size;
    }
    this.words = words;
    this.bytes = new Uint8Array(words.buffer);
    this.used = used;
    this.garbage = 0;
  }

  private shiftBack(hole: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let j = hole;
    for (;;) {
      j = (j + 1) & mask;
      const record = slots[j]!;
      if (record === 0) break;
      const home = this.recordHash(record) & mask;
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      slots[hole] = record;
      hole = j;
    }
    slots[hole] = 0;
  }

  private resize(capacity: number): void {
    const old = this.slots;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.slots = new Int32Array(capacity);
    for (const record of old) {
      if (record === 0) continue;
      let i = this.recordHash(record) & this.mask;
      while (this.slots[i] !== 0) i = (i + 1) & this.mask;
      this.slots[i] = record;
    }
  }

  private rebuildBloom(): void {
    this.bloom = Bloom.forKeys(this.size);
    for (const record of this.slots) if (record !== 0) this.bloom.add(this.recordHash(record));
    this.staleBloomKeys = 0;
  }
}

/** Arena words a record of a `length`-byte key takes. */
export function recordWords(length: number): number {
  return HEADER_WORDS + ((2 + length + 3) >>> 2);
}
