/** Marks an empty slot. The key 0xFFFFFFFF itself lives in the extra slot at index `capacity`. */
export const EMPTY = -1;

/**
 * The slot arrays U32Table and BucketTable share (they differ in where a key goes): capacity + 1 int32 keys, the
 * last one for the key that is the empty marker, and two int32 values per slot in a second array, read only on
 * a hit.
 */
export abstract class KeyValueSlots {
  /** capacity + 1 keys; exposed read-only for the hot lookup loops and the serializer. */
  keys: Int32Array;
  /** Two values per slot: values[2 * slot], values[2 * slot + 1]. */
  values: Int32Array;
  capacity: number;
  size = 0;
  hasEmptyKey = false;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.keys = new Int32Array(capacity + 1).fill(EMPTY);
    this.values = new Int32Array((capacity + 1) * 2);
  }

  keyAt(slot: number): number {
    return slot === this.capacity ? EMPTY : this.keys[slot]!;
  }

  value0(slot: number): number {
    return this.values[slot * 2]!;
  }

  value1(slot: number): number {
    return this.values[slot * 2 + 1]!;
  }

  setValues(slot: number, value0: number, value1: number): void {
    this.values[slot * 2] = value0;
    this.values[slot * 2 + 1] = value1;
  }

  /** Calls `visit` with every occupied slot. */
  forEachSlot(visit: (slot: number) => void): void {
    const keys = this.keys;
    for (let i = 0; i < this.capacity; i++) if (keys[i] !== EMPTY) visit(i);
    if (this.hasEmptyKey) visit(this.capacity);
  }

  byteLength(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  /** Takes over stored arrays (a load): capacity from the keys. */
  protected adopt(keys: Int32Array, values: Int32Array, size: number, hasEmptyKey: boolean): void {
    this.capacity = keys.length - 1;
    this.keys = keys;
    this.values = values;
    this.size = size;
    this.hasEmptyKey = hasEmptyKey;
  }

  /** New empty arrays of `capacity` slots (a resize): returns the old keys and values. */
  protected reallocate(capacity: number): { keys: Int32Array; values: Int32Array; capacity: number } {
    const old = { keys: this.keys, values: this.values, capacity: this.capacity };
    this.capacity = capacity;
    this.keys = new Int32Array(capacity + 1).fill(EMPTY);
    this.values = new Int32Array((capacity + 1) * 2);
    return old;
  }
}
