import { BucketTable } from './bucket-table';
import { CidrTable } from './cidr-table';
import type { HitBuffer, HitKind } from './hit-buffer';

/** The filter is 256 KB: worth it from this many entries; dropped under half. */
const FILTER_MIN = 65536;
/** One bit for each of the 2^21 /21 blocks. */
export const FILTER_WORDS = 1 << 16;
const FILTER_BLOCK_BITS = 21;

/**
 * The ipv4 and cidr entries. Every lookup probes the exact addresses (BucketTable: two independent reads and no
 * branch on their result). The networks, whose lookup does branch on what it reads, sit behind a filter of one
 * bit per /21 block, "some network intersects this block": small enough to stay in cache, so the branch on it is
 * resolved quickly, and clear for most traffic addresses. Network removals leave bits set (a wasted probe at
 * worst); the filter is rebuilt when stale bits pile up, and on load. Smaller sets (whose tables stay in cache
 * anyway) have no filter.
 */
export class AddressIndex {
  filter: Int32Array = new Int32Array(0);
  /** Networks removed since the filter was built; their bits may still be set. */
  staleFilterBits = 0;

  /** With a stored filter (from a load, so no pass over the entries is needed), or one built here if due. */
  constructor(
    readonly exact: BucketTable,
    readonly networks: CidrTable,
    stored?: { filter: Int32Array; staleFilterBits: number },
  ) {
    if (stored !== undefined) {
      this.filter = stored.filter;
      this.staleFilterBits = stored.staleFilterBits;
    } else if (this.size >= FILTER_MIN) {
      this.rebuildFilter();
    }
  }

  static empty(): AddressIndex {
    return new AddressIndex(new BucketTable(), new CidrTable());
  }

  static forCounts(addresses: number, networks: number): AddressIndex {
    return new AddressIndex(BucketTable.forCount(addresses), CidrTable.forCount(networks));
  }

  get size(): number {
    return this.exact.size + this.networks.size;
  }

  insertAddress(address: number): number {
    const slot = this.exact.insert(address);
    if (this.filter.length === 0 && this.size >= FILTER_MIN) this.rebuildFilter();
    return slot;
  }

  insertNetwork(network: number, prefix: number): number {
    const slot = this.networks.insert(network, prefix);
    if (this.filter.length > 0) this.markNetwork(network, prefix);
    else if (this.size >= FILTER_MIN) this.rebuildFilter();
    return slot;
  }

  removeAddressAt(slot: number): void {
    this.exact.removeAt(slot);
    this.noteRemoval(false);
  }

  removeNetworkAt(slot: number): void {
    this.networks.removeAt(slot);
    this.noteRemoval(true);
  }

  /** Pushes a hit for the entry equal to `address` and for every network containing it, longest prefix first;
   *  returns how many. */
  lookup(address: number, hits: HitBuffer, exactKind: HitKind, networkKind: HitKind): number {
    const first = hits.count;
    this.probeExact(address | 0, hits, exactKind);
    const filter = this.filter;
    const block = address >>> (32 - FILTER_BLOCK_BITS);
    if (filter.length === 0 || (filter[block >>> 5]! & (1 << (block & 31))) !== 0) {
      this.networks.collect(address, hits, networkKind);
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
    // Bit i of m1 (m2): slot i of the first (second) bucket holds the key; a key is in at most one slot.
    const m1 =
      (keys[q1] === key ? 1 : 0) |
      (keys[q1 + 1] === key ? 2 : 0) |
      (keys[q1 + 2] === key ? 4 : 0) |
      (keys[q1 + 3] === key ? 8 : 0);
    const m2 =
      (keys[q2] === key ? 1 : 0) |
      (keys[q2 + 1] === key ? 2 : 0) |
      (keys[q2 + 2] === key ? 4 : 0) |
      (keys[q2 + 3] === key ? 8 : 0);
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

  byteLength(): number {
    return this.exact.byteLength() + this.networks.byteLength() + this.filter.byteLength;
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
}
