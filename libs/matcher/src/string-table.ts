import { Bloom } from './bloom';

/** Hashes a stored key from its arena bytes; must equal the hash the lookups compute from strings. */
export type BytesHasher = (bytes: Uint8Array, start: number, end: number) => number;

const MIN_CAPACITY = 16;
/** Built at this load; grown past MAX_LOAD and shrunk under MIN_LOAD, back to about TARGET_LOAD. */
const BUILD_LOAD = 0.6;
const TARGET_LOAD = 0.55;
const MAX_LOAD = 0.75;
const MIN_LOAD = 0.2;
/** Words before a record's bytes: value0, value1. */
const HEADER_WORDS = 2;
/** Arena word 0 is never a record. */
const FIRST_RECORD = 1;
export const MAX_KEY_LENGTH = 0xffff;
/** Slots per group of the record shortcut (see StringTable): 16, so a group's records (about 10 at the build
 *  load, 6 words each for a domain) lie within the 255 words a relative offset byte reaches. */
const GROUP_SHIFT = 4;
/** A group's base when its slots are not all within reach of one base: its lookups read `slots`. */
const UNORDERED = -1;
/** A group's base while it has no key: the first key placed in it becomes the base. */
const EMPTY_GROUP = -2;
const MAX_RELATIVE = 0xff;
/** A build packs an arena of at least this many words (4 MB). The shortcut saves a miss far out in memory; a
 *  smaller table's slots and records mostly stay in the cache (a pointer chase here: ~20 ns up to 8 MB), while the
 *  pack's copy and page faults cost every build (a mixed build of 100k entries: 78 -> 93 ms). */
const PACK_FROM_WORDS = 1 << 20;

/** The home slot of a hash: its high 24 bits scaled to the capacity (any capacity, not only powers of two). */
export function homeSlot(hash: number, capacity: number): number {
  return (((hash >>> 8) * capacity) / 16777216) | 0;
}

/** The slot fingerprint of a hash: its low 8 bits, never 0 (0 marks an empty slot). */
export function fingerprint(hash: number): number {
  return hash & 0xff || 1;
}

/**
 * Open addressing from an ASCII string key to two int32 values, with the keys in a byte arena instead of one JS
 * string per entry. A record is [value0][value1][length u16][bytes...] padded to a 4-byte word; `slots` holds
 * record word offsets and `fingerprints` one byte of each key's hash (0 = empty). A probe reads fingerprints, a
 * compact array, and touches a slot and the arena only when the fingerprint agrees. A Bloom filter in front
 * answers most misses before any of that.
 * Linear probing, backward-shift deletion (no tombstones); removed records are garbage in the arena until
 * compaction, which runs when garbage passes half the arena. Capacity is not a power of two (homeSlot scales),
 * so the load stays near 0.6 whatever the count.
 *
 * The record shortcut: a hit on a table of a million keys waited on two misses far out in memory, the slot's
 * record offset (`slots`, 4 bytes a slot) and then the record. After a compaction the records lie in slot order,
 * so the records of 16 neighbouring slots are within a few hundred bytes of each other: a group then keeps one
 * base offset (`groupBases`) and each slot one byte (`relatives`) with its record's distance from the base,
 * 1.25 bytes a slot in all, small enough to stay in the cache beside the fingerprints. A group is UNORDERED when
 * one of its records is out of reach (a key inserted after the compaction is appended at the arena's end); its
 * lookups read `slots`, which stays the truth for every slot. Builds of large tables end with `packRecords`.
 */
export class StringTable {
  fingerprints: Uint8Array;
  slots: Int32Array;
  /** Per group of 2^GROUP_SHIFT slots: the record offset its relatives count from, UNORDERED or EMPTY_GROUP. */
  groupBases: Int32Array;
  /** Per slot of an ordered group: its record's offset minus the group's base. */
  relatives: Uint8Array;
  capacity: number;
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
    this.fingerprints = new Uint8Array(capacity);
    this.slots = new Int32Array(capacity);
    this.groupBases = new Int32Array(groupCount(capacity)).fill(EMPTY_GROUP);
    this.relatives = new Uint8Array(capacity);
    this.words = new Int32Array(Math.max(arenaWords, FIRST_RECORD));
    this.bytes = new Uint8Array(this.words.buffer, this.words.byteOffset, this.words.byteLength);
    this.bloom = Bloom.forKeys(bloomKeys);
  }

  /** A table sized for `count` keys whose records take `arenaWords` in all (see recordWords). */
  static forCount(hashBytes: BytesHasher, count: number, arenaWords: number): StringTable {
    return new StringTable(hashBytes, capacityFor(count, BUILD_LOAD), FIRST_RECORD + arenaWords, count);
  }

  static fromParts(
    hashBytes: BytesHasher,
    parts: {
      fingerprints: Uint8Array;
      slots: Int32Array;
      words: Int32Array;
      size: number;
      garbage: number;
      bloom: Bloom;
    },
  ): StringTable {
    const table = new StringTable(hashBytes, MIN_CAPACITY, 0);
    table.capacity = parts.slots.length;
    table.fingerprints = parts.fingerprints;
    table.slots = parts.slots;
    table.size = parts.size;
    table.words = parts.words;
    table.bytes = new Uint8Array(parts.words.buffer, parts.words.byteOffset, parts.words.byteLength);
    table.used = parts.words.length;
    table.garbage = parts.garbage;
    table.bloom = parts.bloom;
    table.deriveGroups();
    return table;
  }

  /** The slot whose key equals text[start, end), or -1. */
  find(hash: number, text: string, start: number, end: number): number {
    const fingerprints = this.fingerprints;
    const print = fingerprint(hash);
    let i = homeSlot(hash, this.capacity);
    for (;;) {
      const f = fingerprints[i]!;
      if (f === 0) return -1;
      if (f === print && this.recordEquals(this.recordOf(i), text, start, end)) return i;
      if (++i === this.capacity) i = 0;
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
    const fingerprints = this.fingerprints;
    const print = fingerprint(hash);
    let i = homeSlot(hash, this.capacity);
    for (;;) {
      const f = fingerprints[i]!;
      if (f === 0) return -1;
      if (
        f === print &&
        this.recordEqualsJoined(this.recordOf(i), head, headStart, headEnd, tail, tailStart, tailEnd)
      ) {
        return i;
      }
      if (++i === this.capacity) i = 0;
    }
  }

  /** The slot holding `key` (ASCII, at most MAX_KEY_LENGTH), inserting it with values (0, 0) when absent. */
  insert(hash: number, key: string): number {
    const print = fingerprint(hash);
    let slot = homeSlot(hash, this.capacity);
    // One probe: a miss ends on the empty slot the key goes into.
    for (;;) {
      const f = this.fingerprints[slot]!;
      if (f === 0) break;
      if (f === print && this.recordEquals(this.slots[slot]!, key, 0, key.length)) return slot;
      if (++slot === this.capacity) slot = 0;
    }
    if (this.size + 1 > this.capacity * MAX_LOAD) {
      this.resize(capacityFor(this.size + 1, TARGET_LOAD));
      slot = this.freeSlotFor(hash);
    }
    this.fingerprints[slot] = print;
    this.place(slot, this.appendRecord(key));
    this.size++;
    if (this.size > this.bloom.sizedFor) this.rebuildBloom();
    else this.bloom.add(hash);
    return slot;
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
    this.garbage += recordWords(this.recordLength(this.slots[slot]!));
    this.size--;
    this.shiftBack(slot);
    if (this.capacity > MIN_CAPACITY && this.size < this.capacity * MIN_LOAD) {
      this.resize(capacityFor(this.size, TARGET_LOAD));
    }
    if (this.garbage * 2 > this.used) this.compact();
    if (++this.staleBloomKeys * 2 > this.size + 64) this.rebuildBloom();
  }

  /**
   * Rewrites the arena with the live records in slot order, at its present length, so every group can take the
   * record shortcut. A build calls it once its keys are in (a build appends records in the order keys come).
   */
  packRecords(): void {
    this.compact(this.words.length);
  }

  /** packRecords for an arena of PACK_FROM_WORDS or more: the end of a build. */
  packRecordsIfLarge(): void {
    if (this.used >= PACK_FROM_WORDS) this.packRecords();
  }

  forEachSlot(visit: (slot: number) => void): void {
    for (let i = 0; i < this.capacity; i++) if (this.fingerprints[i] !== 0) visit(i);
  }

  /** Every byte the table holds (fingerprints, slots, the record shortcut, arena, Bloom filter). */
  byteLength(): number {
    return (
      this.fingerprints.byteLength +
      this.slots.byteLength +
      this.groupBases.byteLength +
      this.relatives.byteLength +
      this.words.byteLength +
      this.bloom.byteLength()
    );
  }

  /** Calls `visit` with the arena bytes [start, end) of every key. */
  forEachKey(visit: (bytes: Uint8Array, start: number, end: number) => void): void {
    for (let i = 0; i < this.capacity; i++) {
      if (this.fingerprints[i] === 0) continue;
      const at = ((this.slots[i]! + HEADER_WORDS) << 2) + 2;
      visit(this.bytes, at, at + this.recordLength(this.slots[i]!));
    }
  }

  /** The arena trimmed to its used words, for the serializer. */
  usedWords(): Int32Array {
    return this.words.subarray(0, this.used);
  }

  /** The record of an occupied slot: through the group's base when the group is ordered, else from `slots`. */
  private recordOf(slot: number): number {
    const base = this.groupBases[slot >> GROUP_SHIFT]!;
    return base >= 0 ? base + this.relatives[slot]! : this.slots[slot]!;
  }

  /** Points a slot at a record, keeping its group's shortcut true (or giving it up for the group). */
  private place(slot: number, record: number): void {
    this.slots[slot] = record;
    const group = slot >> GROUP_SHIFT;
    let base = this.groupBases[group]!;
    if (base === UNORDERED) return;
    if (base === EMPTY_GROUP) {
      base = record;
      this.groupBases[group] = base;
    }
    const relative = record - base;
    if (relative >= 0 && relative <= MAX_RELATIVE) this.relatives[slot] = relative;
    else this.groupBases[group] = UNORDERED;
  }

  /** The shortcut of every group from `slots`: ordered when its records all lie within reach of the first. */
  private deriveGroups(): void {
    const groups = groupCount(this.capacity);
    if (this.groupBases.length !== groups) this.groupBases = new Int32Array(groups);
    if (this.relatives.length !== this.capacity) this.relatives = new Uint8Array(this.capacity);
    const fingerprints = this.fingerprints;
    const slots = this.slots;
    for (let group = 0; group < groups; group++) {
      const first = group << GROUP_SHIFT;
      const end = Math.min(this.capacity, first + (1 << GROUP_SHIFT));
      let low = 0x7fffffff;
      let high = -1;
      for (let i = first; i < end; i++) {
        if (fingerprints[i] === 0) continue;
        low = Math.min(low, slots[i]!);
        high = Math.max(high, slots[i]!);
      }
      if (high < 0) {
        this.groupBases[group] = EMPTY_GROUP;
      } else if (high - low > MAX_RELATIVE) {
        this.groupBases[group] = UNORDERED;
      } else {
        this.groupBases[group] = low;
        for (let i = first; i < end; i++) if (fingerprints[i] !== 0) this.relatives[i] = slots[i]! - low;
      }
    }
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

  private recordEqualsJoined(
    record: number,
    head: string,
    headStart: number,
    headEnd: number,
    tail: string,
    tailStart: number,
    tailEnd: number,
  ): boolean {
    const bytes = this.bytes;
    let at = (record + HEADER_WORDS) << 2;
    if ((bytes[at]! | (bytes[at + 1]! << 8)) !== headEnd - headStart + tailEnd - tailStart) return false;
    at += 2 - headStart;
    for (let j = headStart; j < headEnd; j++) if (bytes[at + j] !== head.charCodeAt(j)) return false;
    at += headEnd - tailStart;
    for (let j = tailStart; j < tailEnd; j++) if (bytes[at + j] !== tail.charCodeAt(j)) return false;
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

  private freeSlotFor(hash: number): number {
    let i = homeSlot(hash, this.capacity);
    while (this.fingerprints[i] !== 0) if (++i === this.capacity) i = 0;
    return i;
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

  /** Copies live records into a fresh arena of `length` words (by default a quarter more than they take), in
   *  slot order, and points the slots at the copies; every group can then take the shortcut. */
  private compact(length = Math.ceil((this.used - this.garbage) * 1.25)): void {
    const words = new Int32Array(Math.max(FIRST_RECORD + 16, length));
    const old = this.words;
    const fingerprints = this.fingerprints;
    const slots = this.slots;
    // Two passes. The records are scattered (a build appends them in the order keys come), so each costs a miss:
    // with the sizes read first, by loads no branch waits on, the misses overlap (a single pass that copied
    // each record as it read its length waited on them one by one: 135 ms for a million domains).
    const sizes = new Uint16Array(this.capacity);
    for (let i = 0; i < this.capacity; i++) {
      if (fingerprints[i] !== 0) sizes[i] = recordWords(this.recordLength(slots[i]!));
    }
    let used = FIRST_RECORD;
    for (let i = 0; i < this.capacity; i++) {
      const size = sizes[i]!;
      if (size === 0) continue;
      const record = slots[i]!;
      slots[i] = used;
      for (let j = 0; j < size; j++) words[used + j] = old[record + j]!;
      used += size;
    }
    this.words = words;
    this.bytes = new Uint8Array(words.buffer);
    this.used = used;
    this.garbage = 0;
    this.deriveGroups();
  }

  /** Backward-shift deletion over a cyclic table: an entry moves into the hole unless its home lies in
   *  (hole, entry]. */
  private shiftBack(hole: number): void {
    const fingerprints = this.fingerprints;
    const slots = this.slots;
    const capacity = this.capacity;
    let j = hole;
    for (;;) {
      if (++j === capacity) j = 0;
      if (fingerprints[j] === 0) break;
      const home = homeSlot(this.recordHash(slots[j]!), capacity);
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      fingerprints[hole] = fingerprints[j]!;
      this.place(hole, slots[j]!);
      hole = j;
    }
    fingerprints[hole] = 0;
    slots[hole] = 0;
  }

  private resize(capacity: number): void {
    const oldFingerprints = this.fingerprints;
    const oldSlots = this.slots;
    this.capacity = capacity;
    this.fingerprints = new Uint8Array(capacity);
    this.slots = new Int32Array(capacity);
    for (let i = 0; i < oldSlots.length; i++) {
      if (oldFingerprints[i] === 0) continue;
      const record = oldSlots[i]!;
      const hash = this.recordHash(record);
      const slot = this.freeSlotFor(hash);
      this.fingerprints[slot] = fingerprint(hash);
      this.slots[slot] = record;
    }
    this.deriveGroups();
  }

  private rebuildBloom(): void {
    this.bloom = Bloom.forKeys(this.size);
    for (let i = 0; i < this.capacity; i++) {
      if (this.fingerprints[i] !== 0) this.bloom.add(this.recordHash(this.slots[i]!));
    }
    this.staleBloomKeys = 0;
  }
}

/** Arena words a record of a `length`-byte key takes. */
export function recordWords(length: number): number {
  return HEADER_WORDS + ((2 + length + 3) >>> 2);
}

function groupCount(capacity: number): number {
  return (capacity + (1 << GROUP_SHIFT) - 1) >>> GROUP_SHIFT;
}

function capacityFor(count: number, load: number): number {
  return Math.max(MIN_CAPACITY, Math.ceil(count / load));
}
