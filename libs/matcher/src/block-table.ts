import { xorshift32 } from './hash';

/** An empty slot. No entry is 0: an entry's payload never is. */
const EMPTY = 0;
/** Two words a bucket (8 bytes, inside one cache line): a lookup reads and masks four words, not eight (a probe is
 *  instructions more than memory when the table is in cache, and AddressIndex probes two of these tables). */
export const BLOCK_BUCKET = 2;
const BUCKET = BLOCK_BUCKET;
const MIN_BUCKETS = 8;
/** Two choices of two slots hold keys up to ~0.89 full; 0.8 keeps the displacement walks short. */
const MAX_LOAD = 0.8;
const MIN_LOAD = 0.2;
/** Built (and resized) to about this load, whatever the count: bucket counts are not powers of two. */
const TARGET_LOAD = 0.65;
const MAX_KICKS = 500;
export const PAYLOAD_BITS = 8;
export const PAYLOAD_MASK = (1 << PAYLOAD_BITS) - 1;

/** The first bucket of a block number (a /24 or /20 block): the top bits of block * 2^32/phi, scaled (see
 *  bucketGeometry). */
export function blockBucket1(block: number, shift: number, scale: number): number {
  return Math.imul(Math.imul(block, 0x9e3779b1) >>> shift, scale) >>> 4;
}

/** The second bucket: an independent hash, scaled (it may coincide with the first; a lookup then reads one
 *  bucket twice). */
export function blockBucket2(block: number, shift: number, scale: number): number {
  return Math.imul(Math.imul(block ^ (block >>> 11), 0x85ebca6b) >>> shift, scale) >>> 4;
}

/**
 * Bucket counts are `scale << (bits - 2)` with scale 4..7: any count to within 25%, so the load stays near the
 * target, and a bucket is integer arithmetic on a 32-bit hash: its top bits + 2 bits times scale, over 16, is
 * below `scale << (bits - 2)` and reaches every bucket. Scaling the hash to any count in floating point, as
 * before, cost a network lookup a float conversion chain per probe. Returns [shift = 30 - bits, scale], or null
 * when `buckets` is not of that form.
 */
export function bucketGeometry(buckets: number): [number, number] | null {
  if (!Number.isInteger(buckets) || buckets < MIN_BUCKETS || buckets > 1 << 26) return null;
  const bits = 31 - Math.clz32(buckets);
  const scale = buckets >>> (bits - 2);
  return scale << (bits - 2) === buckets ? [30 - bits, scale] : null;
}

/**
 * A 24-bit block number to a nonzero 8-bit payload, packed into one word (block << 8 | payload) of a two-choice
 * bucketed (cuckoo) table: a lookup reads two independent cache lines and no value array, and can OR together
 * every word whose high 24 bits equal the block without a branch (an empty word is 0 and adds nothing, even for
 * block 0). AddressIndex.lookup inlines that probe. Placement is deterministic (xorshift kicks), so a build gives
 * the same words.
 */
export class BlockTable {
  /** buckets * BUCKET words; exposed read-only for the hot lookup loop and the serializer. */
  words: Int32Array;
  buckets: number;
  /** The bucket geometry (bucketGeometry), read by the lookup. */
  shift: number;
  scale: number;
  size = 0;
  private random = 0x2545f491;

  /** `buckets` of the form bucketGeometry accepts (bucketsFor gives one). */
  constructor(buckets = MIN_BUCKETS) {
    const geometry = bucketGeometry(buckets);
    if (geometry === null) throw new Error(`${buckets} is not a block table bucket count`);
    this.buckets = buckets;
    [this.shift, this.scale] = geometry;
    this.words = new Int32Array(buckets * BUCKET);
  }

  static forCount(count: number): BlockTable {
    return new BlockTable(bucketsFor(count));
  }

  /** A table over stored words; null when their count is not one a table has. */
  static fromParts(words: Int32Array, size: number): BlockTable | null {
    if (words.length % BUCKET !== 0 || bucketGeometry(words.length / BUCKET) === null) return null;
    const table = new BlockTable(words.length / BUCKET);
    table.words = words;
    table.size = size;
    return table;
  }

  /** The payload of `block`, or 0. */
  get(block: number): number {
    const slot = this.slotOf(block);
    return slot < 0 ? 0 : this.words[slot]! & PAYLOAD_MASK;
  }

  /** Sets the payload of `block` (1..255); 0 removes the block. */
  set(block: number, payload: number): void {
    const slot = this.slotOf(block);
    if (slot >= 0) {
      if (payload !== 0) {
        this.words[slot] = (block << PAYLOAD_BITS) | payload;
        return;
      }
      this.words[slot] = EMPTY;
      this.size--;
      if (this.buckets > MIN_BUCKETS && this.size < this.words.length * MIN_LOAD) this.resize();
      return;
    }
    if (payload === 0) return;
    this.size++;
    if (this.size > this.words.length * MAX_LOAD) this.resize();
    this.place((block << PAYLOAD_BITS) | payload);
  }

  byteLength(): number {
    return this.words.byteLength;
  }

  private slotOf(block: number): number {
    const slot = this.slotIn(blockBucket1(block, this.shift, this.scale), block);
    return slot >= 0 ? slot : this.slotIn(blockBucket2(block, this.shift, this.scale), block);
  }

  private slotIn(bucket: number, block: number): number {
    const words = this.words;
    const base = bucket * BUCKET;
    for (let i = base; i < base + BUCKET; i++) {
      const word = words[i]!;
      if (word !== EMPTY && word >>> PAYLOAD_BITS === block) return i;
    }
    return -1;
  }

  private freeIn(bucket: number): number {
    const base = bucket * BUCKET;
    for (let i = base; i < base + BUCKET; i++) if (this.words[i] === EMPTY) return i;
    return -1;
  }

  /** Puts a word whose block is not in the table into a free slot of one of its buckets, moving residents to
   *  their other bucket when both are full; grows the table when the walk runs too long. */
  private place(word: number): void {
    let from = -1;
    for (let kick = 0; ; kick++) {
      const block = word >>> PAYLOAD_BITS;
      const first = blockBucket1(block, this.shift, this.scale);
      const second = blockBucket2(block, this.shift, this.scale);
      let slot = this.freeIn(first);
      if (slot < 0) slot = this.freeIn(second);
      if (slot >= 0) {
        this.words[slot] = word;
        return;
      }
      if (kick === MAX_KICKS) {
        this.resize(this.buckets * 2);
        this.place(word);
        return;
      }
      const random = (this.random = xorshift32(this.random));
      // Evict from the bucket the word was not just evicted from, so the walk does not undo its last step.
      const bucket = from === first ? second : first;
      const victim = bucket * BUCKET + (random & (BUCKET - 1));
      const evicted = this.words[victim]!;
      this.words[victim] = word;
      word = evicted;
      from = bucket;
    }
  }

  private resize(buckets = bucketsFor(this.size)): void {
    const old = this.words;
    this.buckets = buckets;
    [this.shift, this.scale] = bucketGeometry(buckets)!;
    this.words = new Int32Array(buckets * BUCKET);
    for (let i = 0; i < old.length; i++) if (old[i] !== EMPTY) this.place(old[i]!);
  }
}

/** Buckets holding `count` words at about the target load (at most 25% under it), of bucketGeometry's form. */
function bucketsFor(count: number): number {
  const wanted = Math.max(MIN_BUCKETS, Math.ceil(count / (BUCKET * TARGET_LOAD)));
  const bits = 31 - Math.clz32(wanted);
  const unit = 1 << (bits - 2);
  return Math.ceil(wanted / unit) * unit;
}
