import { u32Hash } from './hash';
import { EMPTY, KeyValueSlots } from './key-value-slots';

const MIN_CAPACITY = 16;
const MAX_LOAD = 0.7;
const MIN_LOAD = 0.15;

/**
 * Open addressing from a uint32 key to two int32 values. The keys have an Int32Array of their own, so a probe
 * walks 4-byte slots (a miss touches one cache line of a compact array); the values sit in a second array, read
 * only on a hit. Linear probing with Fibonacci hashing (the high bits of key * 2^32/phi, so consecutive addresses
 * land far apart); deletion shifts the following run back, so there are no tombstones and a miss stops at the
 * first empty slot. Capacities are powers of two.
 */
export class U32Table extends KeyValueSlots {
  mask: number;
  shift: number;

  constructor(capacity = MIN_CAPACITY) {
    super(capacity);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
  }

  /** A table sized so `count` keys fit without growing. */
  static forCount(count: number): U32Table {
    return new U32Table(capacityFor(count));
  }

  static fromParts(keys: Int32Array, values: Int32Array, size: number, hasEmptyKey: boolean): U32Table {
    const table = new U32Table(MIN_CAPACITY);
    table.adopt(keys, values, size, hasEmptyKey);
    table.mask = table.capacity - 1;
    table.shift = 32 - Math.log2(table.capacity);
    return table;
  }

  /** The slot holding `key`, or -1. */
  find(key: number): number {
    key |= 0;
    if (key === EMPTY) return this.hasEmptyKey ? this.capacity : -1;
    const keys = this.keys;
    const mask = this.mask;
    let i = u32Hash(key) >>> this.shift;
    for (;;) {
      const k = keys[i]!;
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
    const keys = this.keys;
    let slot = u32Hash(key) >>> this.shift;
    // One probe: a miss ends on the empty slot the key goes into.
    for (;;) {
      const k = keys[slot]!;
      if (k === key) return slot;
      if (k === EMPTY) break;
      slot = (slot + 1) & this.mask;
    }
    if (this.size + 1 > this.capacity * MAX_LOAD) {
      this.resize(this.capacity * 2);
      slot = this.freeSlotFor(key);
    }
    this.keys[slot] = key;
    this.setValues(slot, 0, 0);
    this.size++;
    return slot;
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

  private freeSlotFor(key: number): number {
    const keys = this.keys;
    let i = u32Hash(key) >>> this.shift;
    while (keys[i] !== EMPTY) i = (i + 1) & this.mask;
    return i;
  }

  /** Backward-shift deletion: moves each following entry whose home is not in (hole, entry] into the hole. */
  private shiftBack(hole: number): void {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let j = hole;
    for (;;) {
      j = (j + 1) & mask;
      const key = keys[j]!;
      if (key === EMPTY) break;
      const home = u32Hash(key) >>> this.shift;
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      keys[hole] = key;
      values[hole * 2] = values[j * 2]!;
      values[hole * 2 + 1] = values[j * 2 + 1]!;
      hole = j;
    }
    keys[hole] = EMPTY;
  }

  private resize(capacity: number): void {
    const { keys: oldKeys, values: oldValues, capacity: oldCapacity } = this.reallocate(capacity);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    for (let i = 0; i < oldCapacity; i++) {
      const key = oldKeys[i]!;
      if (key === EMPTY) continue;
      const slot = this.freeSlotFor(key);
      this.keys[slot] = key;
      this.values[slot * 2] = oldValues[i * 2]!;
      this.values[slot * 2 + 1] = oldValues[i * 2 + 1]!;
    }
    this.values[capacity * 2] = oldValues[oldCapacity * 2]!;
    this.values[capacity * 2 + 1] = oldValues[oldCapacity * 2 + 1]!;
  }
}

/** The smallest power of two that holds `count` keys under the maximum load. */
export function capacityFor(count: number): number {
  let capacity = MIN_CAPACITY;
  while (count > capacity * MAX_LOAD) capacity *= 2;
  return capacity;
}
