import { BlockTable, PAYLOAD_BITS, PAYLOAD_MASK, blockBucket1, blockBucket2 } from './block-table';
import { BucketTable } from './bucket-table';
import { CidrTable, NETMASK, keyNetwork, keyPrefix, networkKey } from './cidr-table';
import type { HitBuffer, HitKind } from './hit-buffer';
import { U32Table } from './u32-table';

// A network payload (a byte, for a /16, /20 or /24 block): bits 0-4 the longest network of its level covering the
// block as prefix + 1 (0: none), then two flags that send a lookup to the full network walk. The levels: /0../16
// by /16 block, /17../20 by /20 block, /21../24 by /24 block.
const LENGTH_MASK = 31;
/** More than one network of this level covers the block. */
const NESTED = 32;
/** (/24 blocks) Networks longer than /24 lie inside the block. */
const SUB = 64;
const SLOW = NESTED | SUB;
/** Index prefix + 1 (0: no network): the network mask and the network-key bit, so a key is built without a
 *  branch: (address & KEY_MASK[q]) | KEY_BIT[q]. */
const KEY_MASK = Int32Array.from({ length: 33 }, (_, q) => (q === 0 ? 0 : NETMASK[q - 1]!));
const KEY_BIT = Int32Array.from({ length: 33 }, (_, q) => (q === 0 ? 0 : 1 << (32 - q)));
/** The filter is 256 KB: worth it from this many entries; dropped under half. */
const FILTER_MIN = 65536;
/** One bit for each of the 2^21 /21 blocks. */
export const FILTER_WORDS = 1 << 16;
const FILTER_BLOCK_BITS = 21;
/** Shared by every index without a network of /16 or shorter; replaced by its own array on the first one. */
const NO_SHORT_NETWORKS = new Uint8Array(65536);

export interface DerivedNetworkIndex {
  filter: Int32Array;
  staleFilterBits: number;
  shortNetworks: Uint8Array;
  midBlocks: BlockTable;
  blocks: BlockTable;
  subNetworks: U32Table;
}

/**
 * The ipv4 and cidr entries. Every lookup probes the exact addresses (BucketTable: two independent cache lines,
 * no branch on what they hold). The networks sit behind a filter of one bit per /21 block, "some network
 * intersects this block" (256 KB, so it mostly stays in cache, and clear for most traffic): memory accesses, not
 * instructions, bound this loop, so most lookups touch the exact table only. Behind the filter, a fixed set of reads
 * and no branch on what they find: one byte per /16 block naming the longest network of /0../16 covering it
 * (64 KB), one BlockTable word per /20 block naming the longest network of /17../20 covering it, and one per /24
 * block for /21../24 (two cache lines each). The /20 level keeps the /24 table small: a /17 would take 128 words
 * there, and the tables, not the instructions, are what a network lookup waits for. A network hit is pushed as its network key (built from the address and the prefix; decide resolves it
 * to a slot). A /24 block with one network longer than /24 inside is answered from subNetworks (its key is kept
 * beside the count); only the rare blocks with nested networks of one level, or with more than one network longer
 * than /24, take the per-length walk (CidrTable.collect). The payloads are derived from the networks (the same set gives the same
 * payloads whatever the order of changes) and stored, so a load needs no pass over the networks. Network removals
 * leave filter bits set (a wasted probe at worst); the filter is rebuilt when stale bits pile up. Smaller sets
 * (whose tables stay in cache anyway) have no filter.
 */
export class AddressIndex {
  filter: Int32Array = new Int32Array(0);
  /** Networks removed since the filter was built; their bits may still be set. */
  staleFilterBits = 0;
  shortNetworks: Uint8Array;
  /** Per /20 block, the /17../20 payload. */
  readonly midBlocks: BlockTable;
  /** Per /24 block, the /21../24 payload. */
  readonly blocks: BlockTable;
  /** Per /24 block: how many networks longer than /24 lie inside (value0) and, when that is one, its network key
   *  (value1; else 0). */
  readonly subNetworks: U32Table;

  constructor(
    readonly exact: BucketTable,
    readonly networks: CidrTable,
    derived?: DerivedNetworkIndex,
    expectedBlocks = networks.size,
  ) {
    if (derived !== undefined) {
      this.filter = derived.filter;
      this.staleFilterBits = derived.staleFilterBits;
      this.shortNetworks = derived.shortNetworks.length === 0 ? NO_SHORT_NETWORKS : derived.shortNetworks;
      this.midBlocks = derived.midBlocks;
      this.blocks = derived.blocks;
      this.subNetworks = derived.subNetworks;
    } else {
      this.shortNetworks = NO_SHORT_NETWORKS;
      // The /20 level is small (a /17 takes 8 words): it grows as networks come.
      this.midBlocks = new BlockTable();
      this.blocks = BlockTable.forCount(expectedBlocks);
      this.subNetworks = new U32Table();
      networks.forEachNetwork((network, prefix) => this.noteNetwork(network, prefix, true));
      if (this.size >= FILTER_MIN) this.rebuildFilter();
    }
  }

  static empty(): AddressIndex {
    return new AddressIndex(new BucketTable(), new CidrTable());
  }

  /** Sized for a build: `blocks` is how many /24 block words the networks will take (blocksOfPrefix summed), so
   *  the /24 BlockTable does not grow and rehash its way up from empty. */
  static forCounts(addresses: number, networks: number, blocks: number): AddressIndex {
    return new AddressIndex(BucketTable.forCount(addresses), CidrTable.forCount(networks), undefined, blocks);
  }

  get size(): number {
    return this.exact.size + this.networks.size;
  }

  /** The /16 directory as stored: empty while it is the shared all-zero one. */
  get ownShortNetworks(): Uint8Array {
    return this.shortNetworks === NO_SHORT_NETWORKS ? new Uint8Array(0) : this.shortNetworks;
  }

  insertAddress(address: number): number {
    const slot = this.exact.insert(address);
    if (this.filter.length === 0 && this.size >= FILTER_MIN) this.rebuildFilter();
    return slot;
  }

  insertNetwork(network: number, prefix: number): number {
    const known = this.networks.find(network, prefix) >= 0;
    const slot = this.networks.insert(network, prefix);
    if (!known) this.noteNetwork(network, prefix, true);
    if (this.filter.length > 0) this.markNetwork(network, prefix);
    else if (this.size >= FILTER_MIN) this.rebuildFilter();
    return slot;
  }

  removeAddressAt(slot: number): void {
    this.exact.removeAt(slot);
    this.noteRemoval(false);
  }

  removeNetworkAt(slot: number): void {
    const key = this.networks.table.keyAt(slot);
    this.networks.removeAt(slot);
    this.noteNetwork(keyNetwork(key), keyPrefix(key), false);
    this.noteRemoval(true);
  }

  /** Pushes a hit for the entry equal to `address` (its slot) and for every network containing it (its network
   *  key), longest prefix first; returns how many. */
  lookup(address: number, hits: HitBuffer, exactKind: HitKind, networkKind: HitKind): number {
    const first = hits.count;
    this.probeExact(address | 0, hits, exactKind);
    const filter = this.filter;
    const block = address >>> (32 - FILTER_BLOCK_BITS);
    if (filter.length === 0 || (filter[block >>> 5]! & (1 << (block & 31))) !== 0) {
      this.probeNetworks(address | 0, hits, networkKind);
    }
    return hits.count - first;
  }

  /** BucketTable.find, inline and without branches on what it reads: this is the per-packet path. (Its own
   *  method, so that it and lookup each stay small enough for V8 to inline.) */
  private probeExact(key: number, hits: HitBuffer, kind: HitKind): void {
    const exact = this.exact;
    if (exact.size === 0) return;
    if (key === -1) {
      // 255.255.255.255 is the empty marker and lives in the spare slot.
      if (exact.hasEmptyKey) hits.push(kind, exact.capacity);
      return;
    }
    const keys = exact.keys;
    const shift = exact.shift;
    const bucket = Math.imul(key, 0x9e3779b1) >>> shift;
    const q1 = bucket << 2;
    const q2 = (bucket ^ ((Math.imul(key ^ (key >>> 16), 0x85ebca6b) >>> shift) | 1)) << 2;
    // Bit i of m1 (m2): slot i of the first (second) bucket holds the key; a key is in at most one slot. Each
    // compare is `+(a === b)`, not `a === b ? 1 : 0`: TurboFan compiles the conditional to a compare and a jump
    // (taken on a hit, unpredictably, so it mispredicts and waits on the key's cache miss), the unary plus to
    // setcc, with no branch.
    const m1 =
      +(keys[q1] === key) |
      (+(keys[q1 + 1] === key) << 1) |
      (+(keys[q1 + 2] === key) << 2) |
      (+(keys[q1 + 3] === key) << 3);
    const m2 =
      +(keys[q2] === key) |
      (+(keys[q2 + 1] === key) << 1) |
      (+(keys[q2 + 2] === key) << 2) |
      (+(keys[q2 + 3] === key) << 3);
    // Arithmetic instead of branches (and `0 - x`, never `-x`, which makes -0 and leaves int32): found is 0 or
    // 1, slot the bucket's first slot plus the bit's position (meaningless when not found: the hit is written
    // past the count then, and not counted).
    const found = (0 - (m1 | m2)) >>> 31;
    const slot = ((0 - ((0 - m1) >>> 31)) & q1) | ((0 - ((0 - m2) >>> 31)) & q2) | (31 - Math.clz32(m1 | m2));
    const count = hits.count;
    hits.kinds[count] = kind;
    hits.slots[count] = slot;
    hits.count = count + found;
  }

  /** The payloads of the address's /24, /20 and /16 blocks, each pushed as a network key when it names a network,
   *  longest first; all written, counted arithmetically. */
  private probeNetworks(address: number, hits: HitBuffer, kind: HitKind): void {
    // The /24 and the /20 block's payloads: the OR of the four words of a block's two buckets (BLOCK_BUCKET = 2),
    // each masked to 0 unless its high 24 bits are the block (at most one is; an empty word is 0), so nothing
    // branches on what was read: (x - 1) >> 31 is -1 for x = 0 only (x < 2^24). Written out for both tables, not
    // a shared function: V8 would not inline it (its budget goes to the exact probe).
    let table = this.blocks;
    let words = table.words;
    let block = address >>> 8;
    let q1 = blockBucket1(block, table.shift, table.scale) << 1;
    let q2 = blockBucket2(block, table.shift, table.scale) << 1;
    let w = words[q1]!;
    let long = w & ((((w >>> PAYLOAD_BITS) ^ block) - 1) >> 31);
    w = words[q1 + 1]!;
    long |= w & ((((w >>> PAYLOAD_BITS) ^ block) - 1) >> 31);
    w = words[q2]!;
    long |= w & ((((w >>> PAYLOAD_BITS) ^ block) - 1) >> 31);
    w = words[q2 + 1]!;
    long = (long | (w & ((((w >>> PAYLOAD_BITS) ^ block) - 1) >> 31))) & PAYLOAD_MASK;
    table = this.midBlocks;
    words = table.words;
    block = address >>> 12;
    q1 = blockBucket1(block, table.shift, table.scale) << 1;
    q2 = blockBucket2(block, table.shift, table.scale) << 1;
    w = words[q1]!;
    let mid = w & ((((w >>> PAYLOAD_BITS) ^ block) - 1) >> 31);
    w = words[q1 + 1]!;
    mid |= w & ((((w >>> PAYLOAD_BITS) ^ block) - 1) >> 31);
    w = words[q2]!;
    mid |= w & ((((w >>> PAYLOAD_BITS) ^ block) - 1) >> 31);
    w = words[q2 + 1]!;
    mid = (mid | (w & ((((w >>> PAYLOAD_BITS) ^ block) - 1) >> 31))) & PAYLOAD_MASK;
    const short = this.shortNetworks[address >>> 16]!;
    const qLong = long & LENGTH_MASK;
    const qMid = mid & LENGTH_MASK;
    const qShort = short & LENGTH_MASK;
    const first = hits.count;
    const kinds = hits.kinds;
    const slots = hits.slots;
    kinds[first] = kind;
    slots[first] = (address & KEY_MASK[qLong]!) | KEY_BIT[qLong]!;
    const second = first + ((0 - qLong) >>> 31);
    kinds[second] = kind;
    slots[second] = (address & KEY_MASK[qMid]!) | KEY_BIT[qMid]!;
    const third = second + ((0 - qMid) >>> 31);
    kinds[third] = kind;
    slots[third] = (address & KEY_MASK[qShort]!) | KEY_BIT[qShort]!;
    hits.count = third + ((0 - qShort) >>> 31);
    const flags = long | mid | short;
    if ((flags & SLOW) !== 0) this.collectFlagged(address, first, hits, kind, flags);
  }

  /** A flagged block. The common one, a /24 block holding one network longer than /24 and nothing nested, is
   *  answered from subNetworks, which keeps that network's key beside the count: one probe, then the network is
   *  put before the hits already written (it is the longest). Anything else takes the per-length walk. */
  private collectFlagged(
    address: number,
    first: number,
    hits: HitBuffer,
    kind: HitKind,
    flags: number,
  ): void {
    const counter = (flags & NESTED) === 0 ? this.subNetworks.find(address >>> 8) : -1;
    if (counter < 0 || this.subNetworks.value0(counter) !== 1) {
      this.collectAll(address, first, hits, kind);
      return;
    }
    const key = this.subNetworks.value1(counter);
    const prefix = keyPrefix(key);
    if (((address & NETMASK[prefix]!) | (1 << (31 - prefix))) !== key) return;
    const kinds = hits.kinds;
    const slots = hits.slots;
    for (let i = hits.count; i > first; i--) {
      kinds[i] = kinds[i - 1]!;
      slots[i] = slots[i - 1]!;
    }
    kinds[first] = kind;
    slots[first] = key;
    hits.count++;
  }

  /** Every network containing the address, by the per-length walk, replacing the hits from `first` on. */
  private collectAll(address: number, first: number, hits: HitBuffer, kind: HitKind): void {
    hits.count = first;
    this.networks.collect(address, hits, kind);
    const table = this.networks.table;
    for (let i = first; i < hits.count; i++) hits.slots[i] = table.keyAt(hits.slots[i]!);
  }

  byteLength(): number {
    return (
      this.exact.byteLength() +
      this.networks.byteLength() +
      this.filter.byteLength +
      this.ownShortNetworks.byteLength +
      this.midBlocks.byteLength() +
      this.blocks.byteLength() +
      this.subNetworks.byteLength()
    );
  }

  /** Brings the payloads of the blocks a network covers up to date after it was added or removed. */
  private noteNetwork(network: number, prefix: number, added: boolean): void {
    if (prefix <= 16) {
      if (this.shortNetworks === NO_SHORT_NETWORKS) this.shortNetworks = new Uint8Array(65536);
      const first = network >>> 16;
      const end = first + (1 << (16 - prefix));
      for (let b = first; b < end; b++) {
        this.shortNetworks[b] = added ? withNetwork(this.shortNetworks[b]!, prefix) : this.shortPayload(b);
      }
    } else if (prefix <= 20) {
      const first = network >>> 12;
      const end = first + (1 << (20 - prefix));
      for (let b = first; b < end; b++) {
        this.midBlocks.set(b, added ? withNetwork(this.midBlocks.get(b), prefix) : this.midPayload(b));
      }
    } else if (prefix <= 24) {
      const first = network >>> 8;
      const end = first + (1 << (24 - prefix));
      for (let b = first; b < end; b++) {
        this.blocks.set(b, added ? withNetwork(this.blocks.get(b), prefix) : this.blockPayload(b));
      }
    } else {
      const block = network >>> 8;
      const counter = this.subNetworks.insert(block);
      const count = this.subNetworks.value0(counter) + (added ? 1 : -1);
      if (count > 1) this.subNetworks.setValues(counter, count, 0);
      else if (count === 1) {
        const only = added ? networkKey(network, prefix) : this.onlySubNetwork(block);
        this.subNetworks.setValues(counter, count, only);
      } else this.subNetworks.removeAt(counter);
      this.blocks.set(block, added ? this.blocks.get(block) | SUB : this.blockPayload(block));
    }
  }

  /** The key of the one network longer than /24 left inside /24 block `b`. */
  private onlySubNetwork(b: number): number {
    let lengths = this.networks.lengths & ~0x1ffffff;
    while (lengths !== 0) {
      const prefix = 31 - Math.clz32(lengths);
      lengths ^= 1 << prefix;
      for (let n = 0; n < 1 << (prefix - 24); n++) {
        const network = (b << 8) | (n << (32 - prefix));
        if (this.networks.find(network, prefix) >= 0) return networkKey(network, prefix);
      }
    }
    throw new Error(`no network longer than /24 in block ${b}`);
  }

  private markNetwork(network: number, prefix: number): void {
    const first = network >>> (32 - FILTER_BLOCK_BITS);
    const count = prefix >= FILTER_BLOCK_BITS ? 1 : 1 << (FILTER_BLOCK_BITS - prefix);
    for (let block = first; block < first + count; block++) this.filter[block >>> 5]! |= 1 << (block & 31);
  }

  private noteRemoval(network: boolean): void {
    if (this.filter.length === 0) return;
    if (this.size < FILTER_MIN / 2) {
      this.filter = new Int32Array(0);
      this.staleFilterBits = 0;
    } else if (network && ++this.staleFilterBits > this.networks.size / 4) {
      this.rebuildFilter();
    }
  }

  private rebuildFilter(): void {
    this.filter = new Int32Array(FILTER_WORDS);
    this.networks.forEachNetwork((network, prefix) => this.markNetwork(network, prefix));
    this.staleFilterBits = 0;
  }

  /** The payload of /16 block `b` from the networks of /0../16. */
  private shortPayload(b: number): number {
    return this.payloadFor(b << 16, this.networks.lengths & 0x1ffff, 0);
  }

  /** The payload of /20 block `b` from the networks of /17../20. */
  private midPayload(b: number): number {
    return this.payloadFor(b << 12, this.networks.lengths & 0x1e0000, 0);
  }

  /** The payload of /24 block `b` from the networks of /21../24 and the count of longer ones inside. */
  private blockPayload(b: number): number {
    const sub = this.subNetworks.find(b) >= 0 ? SUB : 0;
    return this.payloadFor(b << 8, this.networks.lengths & 0x1e00000, sub);
  }

  private payloadFor(base: number, lengths: number, flags: number): number {
    let longest = -1;
    let count = 0;
    while (lengths !== 0) {
      const prefix = 31 - Math.clz32(lengths);
      lengths ^= 1 << prefix;
      if (this.networks.find(base & NETMASK[prefix]!, prefix) < 0) continue;
      if (longest < 0) longest = prefix;
      count++;
    }
    return flags | (count > 1 ? NESTED : 0) | (longest + 1);
  }
}

/** The /24 block words a network of `prefix` adds to the /24 BlockTable (at most: networks may share blocks). */
export function blocksOfPrefix(prefix: number): number {
  return prefix <= 20 ? 0 : prefix <= 24 ? 1 << (24 - prefix) : 1;
}

/** A payload with one more network of its level, of `prefix`. */
function withNetwork(payload: number, prefix: number): number {
  const length = payload & LENGTH_MASK;
  const nested = length !== 0 ? NESTED : 0;
  return (payload & SLOW) | nested | Math.max(length, prefix + 1);
}
