import { u32Hash } from './hash';

/** Marks an empty slot. The key 0xFFFFFFFF itself lives in the extra slot at index `capacity`. */
const EMPTY = -1;
const STRIDE = 3;
const MIN_CAPACITY = 16;
const MAX_LOAD = 0.7;
const MIN_LOAD = 0.15;

/**
 * Open addressing from a uint32 key to two int32 values, in one Int32Array of [key, value0, value1] triples so a
 * probe and its values share a cache line. Linear probing with Fibonacci hashing (the high bits of key * 2^32/phi);
 * deletion shifts the following run back, so there are no tombstones and a miss stops at the first empty slot.
 */
export class U32Table {
  /** (capacity + 1) triples; exposed read-only for the hot lookup loops and the serializer. */
  data: Int32Array;
  capacity: number;
  mask: number;
  shift: number;
  size = 0;
  hasEmptyKey = false;

  constructor(capacity = MIN_CAPACITY) {
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    this.data = new Int32Array((capacity + 1) * STRIDE).fill(EMPTY);
  }

  /** A table sized so `count` keys fit without growing. */
  static forCount(count: number): U32Table {
    return new U32Table(capacityFor(count));
  }

  static fromParts(data: Int32Array, size: number, hasEmptyKey: boolean): U32Table {
    const table = new U32Table(data.length / STRIDE - 1);
    table.data = data;
    table.size = size;
    table.hasEmptyKey = hasEmptyKey;
    return table;
  }

  /** The slot holding `key`, or -1. */
  find(key: number): number {
    key |= 0;
    if (key === EMPTY) return this.hasEmptyKey ? this.capacity : -1;
    const data = this.data;
    const mask = this.mask;
    let i = u32Hash(key) >>> this.shift;
    for (;;) {
      const k = data[i * STRIDE]!;
      if (k === key) return i;
      if (k === EMPTY) return -1;
      i = (i + 1) & mask;
    }
  }

  /** The slot holding `key`, inserting it with values (0, 0) when absent. */
  insert(key: number): number {
    key |= 0;
    if (key === EMPTY) {
      if (!this.hasEmptyKey) {
        this.hasEmptyKey = true;
        this.size++;
        this.setValues(this.capacity, 0, 0);
      }
      return this.capacity;
    }
    const found = this.find(key);
    if (found >= 0) return found;
    if (this.size + 1 > this.capacity * MAX_LOAD) this.resize(this.capacity * 2);
    const slot = this.freeSlotFor(key);
    this.data[slot * STRIDE] = key;
    this.setValues(slot, 0, 0);
    this.size++;
    return slot;
  }

  keyAt(slot: number): number {
    return slot === this.capacity ? EMPTY : this.data[slot * STRIDE]!;
  }

  value0(slot: number): number {
    return this.data[slot * STRIDE + 1]!;
  }

  value1(slot: number): number {
    return this.data[slot * STRIDE + 2]!;
  }

  setValues(slot: number, value0: number, value1: number): void {
    this.data[slot * STRIDE + 1] = value0;
    this.data[slot * STRIDE + 2] = value1;
  }

  /** Removes the key in `slot`; slots after it may move, so slot numbers held by the caller become stale. */
  removeAt(slot: number): void {
    this.size--;
    if (slot === this.capacity) {
      this.hasEmptyKey = false;
    } else {
      this.shiftBack(slot);
    }
    if (this.capacity > MIN_CAPACITY && this.size < this.capacity * MIN_LOAD) this.resize(this.capacity / 2);
  }

  /** Calls `visit` with every occupied slot. */
  forEachSlot(visit: (slot: number) => void): void {
    const data = this.data;
    for (let i = 0; i < this.capacity; i++) if (data[i * STRIDE] !== EMPTY) visit(i);
    if (this.hasEmptyKey) visit(this.capacity);
  }

  byteLength(): number {
    return this.data.byteLength;
  }

  private freeSlotFor(key: number): number {
    const data = this.data;
    let i = u32Hash(key) >>> this.shift;
    while (data[i * STRIDE] !== EMPTY) i = (i + 1) & this.mask;
    return i;
  }

  /** Backward-shift deletion: moves each following entry whose home is not in (hole, entry] into the hole. */
  private shiftBack(hole: number): void {
    const data = this.data;
    const mask = this.mask;
    let j = hole;
    for (;;) {
      j = (j + 1) & mask;
      const key = data[j * STRIDE]!;
      if (key === EMPTY) break;
      const home = u32Hash(key) >>> this.shift;
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      data[hole * STRIDE] = key;
      data[hole * STRIDE + 1] = data[j * STRIDE + 1]!;
      data[hole * STRIDE + 2] = data[j * STRIDE + 2]!;
      hole = j;
    }
    data[hole * STRIDE] = EMPTY;
  }

  private resize(capacity: number): void {
    const old = this.data;
    const oldCapacity = this.capacity;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    this.data = new Int32Array((capacity + 1) * STRIDE).fill(EMPTY);
    for (let i = 0; i < oldCapacity; i++) {
      const key = old[i * STRIDE]!;
      if (key === EMPTY) continue;
      const slot = this.freeSlotFor(key);
      this.data[slot * STRIDE] = key;
      this.data[slot * STRIDE + 1] = old[i * STRIDE + 1]!;
      this.data[slot * STRIDE + 2] = old[i * STRIDE + 2]!;
    }
    const spare = oldCapacity * STRIDE;
    this.data[capacity * STRIDE + 1] = old[spare + 1]!;
    this.data[capacity * STRIDE + 2] = old[spare + 2]!;
  }
}

/** The smallest power of two that holds `count` keys under the maximum load. */
export function capacityFor(count: number): number {
  let capacity = MIN_CAPACITY;
  while (count > capacity * MAX_LOAD) capacity *= 2;
  return capacity;
}
