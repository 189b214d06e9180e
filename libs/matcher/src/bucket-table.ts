import { EMPTY, KeyValueSlots } from './key-value-slots';
import { xorshift32 } from './hash';

/** Four keys a bucket (16 bytes, inside one cache line); at least four buckets. */
const BUCKET = 4;
const MIN_CAPACITY = 16;
/** Two choices of four slots hold keys up to ~0.97 full; 0.9 keeps the displacement walks short. */
const MAX_LOAD = 0.9;
const MIN_LOAD = 0.15;
/** Displacements tried before the table grows instead (practically never under MAX_LOAD). */
const MAX_KICKS = 500;

/** The first bucket of a key: the high bits of key * 2^32/phi. */
export function firstBucket(key: number, shift: number): number {
  return Math.imul(key, 0x9e3779b1) >>> shift;
}

/** The other bucket of a key in bucket `bucket`: differs from the first by an odd, key-dependent xor, so the two
 *  never coincide and either one gives the other. */
export function otherBucket(key: number, bucket: number, shift: number): number {
  return bucket ^ ((Math.imul(key ^ (key >>> 16), 0x85ebca6b) >>> shift) | 1);
}

/**
 * A uint32 key to two int32 values, for the exact-address entries: a two-choice bucketed (cuckoo) table. Each key
 * sits in one of two 4-slot buckets named by two hashes, so a lookup reads two independent cache lines and
 * compares eight slots without a branch on what it read (AddressIndex.lookup inlines it): on a machine where those
 * reads miss the cache, the out-of-order core overlaps the next lookups instead of waiting on a mispredicted
 * "found?". An insert into two full buckets moves a resident key to its other bucket (and so on); a walk that
 * runs too long grows the table. Values sit in a second array, read only on a hit. Capacities are powers of two.
 * Slot numbers held by the caller become stale after an insert or remove.
 */
export class BucketTable extends KeyValueSlots {
  /** 32 - log2(bucket count). */
  shift: number;
  /** xorshift state choosing which resident to move (deterministic, so a build gives the same bytes). */
  private random = 0x2545f491;

  constructor(capacity = MIN_CAPACITY) {
    super(capacity);
    this.shift = shiftFor(capacity);
  }

  static forCount(count: number): BucketTable {
    return new BucketTable(bucketCapacityFor(count));
  }

  static fromParts(keys: Int32Array, values: Int32Array, size: number, hasEmptyKey: boolean): BucketTable {
    const table = new BucketTable(MIN_CAPACITY);
    table.adopt(keys, values, size, hasEmptyKey);
    table.shift = shiftFor(table.capacity);
    return table;
  }

  /** The slot holding `key`, or -1. */
  find(key: number): number {
    key |= 0;
    if (key === EMPTY) return this.hasEmptyKey ? this.capacity : -1;
    const first = firstBucket(key, this.shift);
    const slot = this.findIn(first, key);
    return slot >= 0 ? slot : this.findIn(otherBucket(key, first, this.shift), key);
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
    // One pass over both buckets: the key, or the first free slot for it.
    const keys = this.keys;
    const first = firstBucket(key, this.shift) * BUCKET;
    const second = otherBucket(key, first / BUCKET, this.shift) * BUCKET;
    let free = -1;
    for (let j = 0; j < BUCKET; j++) {
      const a = keys[first + j]!;
      if (a === key) return first + j;
      if (a === EMPTY && free < 0) free = first + j;
    }
    for (let j = 0; j < BUCKET; j++) {
      const b = keys[second + j]!;
      if (b === key) return second + j;
      if (b === EMPTY && free < 0) free = second + j;
    }
    this.size++;
    if (free >= 0 && this.size <= this.capacity * MAX_LOAD) {
      keys[free] = key;
      this.setValues(free, 0, 0);
      return free;
    }
    if (this.size > this.capacity * MAX_LOAD) this.resize(this.capacity * 2);
    // Moving residents may move this key again before the walk ends: look it up afterwards.
    this.place(key, 0, 0);
    return this.find(key);
  }

  removeAt(slot: number): void {
    this.size--;
    if (slot === this.capacity) this.hasEmptyKey = false;
    else this.keys[slot] = EMPTY;
    this.setValues(slot, 0, 0);
    if (this.capacity > MIN_CAPACITY && this.size < this.capacity * MIN_LOAD) this.resize(this.capacity / 2);
  }

  private findIn(bucket: number, key: number): number {
    const keys = this.keys;
    const base = bucket * BUCKET;
    for (let i = base; i < base + BUCKET; i++) if (keys[i] === key) return i;
    return -1;
  }

  private freeIn(bucket: number): number {
    return this.findIn(bucket, EMPTY);
  }

  /** Puts a key that is not in the table into a free slot of one of its buckets, moving residents along their
   *  other buckets when both are full; grows the table when the walk runs too long. Size is counted already. */
  private place(key: number, value0: number, value1: number): void {
    let bucket = firstBucket(key, this.shift);
    for (let kick = 0; ; kick++) {
      let slot = this.freeIn(bucket);
      if (slot < 0) slot = this.freeIn(otherBucket(key, bucket, this.shift));
      if (slot >= 0) {
        this.keys[slot] = key;
        this.setValues(slot, value0, value1);
        return;
      }
      if (kick === MAX_KICKS) {
        // Grow and put the homeless key in then: resize re-places every key the table holds.
        this.resize(this.capacity * 2);
        this.place(key, value0, value1);
        return;
      }
      const random = (this.random = xorshift32(this.random));
      const victim = bucket * BUCKET + (random & (BUCKET - 1));
      const victimKey = this.keys[victim]!;
      const victim0 = this.values[victim * 2]!;
      const victim1 = this.values[victim * 2 + 1]!;
      this.keys[victim] = key;
      this.setValues(victim, value0, value1);
      key = victimKey;
      value0 = victim0;
      value1 = victim1;
      bucket = otherBucket(key, bucket, this.shift);
    }
  }

  private resize(capacity: number): void {
    const { keys: oldKeys, values: oldValues, capacity: oldCapacity } = this.reallocate(capacity);
    this.shift = shiftFor(capacity);
    for (let i = 0; i < oldCapacity; i++) {
      const key = oldKeys[i]!;
      if (key !== EMPTY) this.place(key, oldValues[i * 2]!, oldValues[i * 2 + 1]!);
    }
    // this.capacity, not capacity: a walk that failed inside this loop may have grown the table once more.
    this.values[this.capacity * 2] = oldValues[oldCapacity * 2]!;
    this.values[this.capacity * 2 + 1] = oldValues[oldCapacity * 2 + 1]!;
  }
}

function shiftFor(capacity: number): number {
  return 32 - Math.log2(capacity / BUCKET);
}

/** The smallest power of two that holds `count` keys under the maximum load. */
export function bucketCapacityFor(count: number): number {
  let capacity = MIN_CAPACITY;
  while (count > capacity * MAX_LOAD) capacity *= 2;
  return capacity;
}
