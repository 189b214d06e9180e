import { CidrTable } from './cidr-table';
import type { HitBuffer, HitKind } from './hit-buffer';
import { U32Table } from './u32-table';

const EXACT = 1;
const NETWORK = 2;
/** The filter is 4 MB: worth it from this many entries (4 bytes an entry at a million); dropped under half. */
const FILTER_MIN = 65536;
/** Two bits for each of the 2^24 /24 blocks. */
export const FILTER_WORDS = 1 << 20;

/**
 * The ipv4 and cidr entries. With many of them, behind a filter of two bits per /24 block: "some address of this
 * block is an entry" and "some network intersects this block". Most traffic addresses are in no entry and no
 * network, and one read of the filter says so; otherwise only the table its bits name is probed. Removals leave
 * bits set (a wasted probe at worst); the filter is rebuilt when stale bits pile up, and on load. Smaller sets
 * (whose tables stay in cache anyway) have no filter.
 */
export class AddressIndex {
  filter: Int32Array = new Int32Array(0);
  /** Entries removed since the filter was built; their bits may still be set. */
  staleFilterBits = 0;

  /** With a stored filter (from a load, so no pass over the entries is needed), or one built here if due. */
  constructor(
    readonly exact: U32Table,
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
    return new AddressIndex(new U32Table(), new CidrTable());
  }

  static forCounts(addresses: number, networks: number): AddressIndex {
    return new AddressIndex(U32Table.forCount(addresses), CidrTable.forCount(networks));
  }

  get size(): number {
    return this.exact.size + this.networks.size;
  }

  insertAddress(address: number): number {
    const slot = this.exact.insert(address);
    if (this.filter.length > 0) this.mark(address >>> 8, EXACT);
    else if (this.size >= FILTER_MIN) this.rebuildFilter();
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
    this.noteRemoval();
  }

  removeNetworkAt(slot: number): void {
    this.networks.removeAt(slot);
    this.noteRemoval();
  }

  /** Pushes a hit for the entry equal to `address` and for every network containing it, longest prefix first;
   *  returns how many. */
  lookup(address: number, hits: HitBuffer, exactKind: HitKind, networkKind: HitKind): number {
    let bits = EXACT | NETWORK;
    if (this.filter.length > 0) {
      const block = address >>> 8;
      bits = (this.filter[block >>> 4]! >>> ((block & 15) << 1)) & 3;
      if (bits === 0) return 0;
    }
    const first = hits.count;
    if ((bits & EXACT) !== 0) {
      // U32Table.find, inline: this is the per-packet path. The key -1 (255.255.255.255) is the empty marker
      // and lives in the spare slot.
      const key = address | 0;
      const exact = this.exact;
      if (key === -1) {
        if (exact.hasEmptyKey) hits.push(exactKind, exact.capacity);
      } else {
        const keys = exact.keys;
        const mask = exact.mask;
        let slot = Math.imul(key, 0x9e3779b1) >>> exact.shift;
        for (;;) {
          const k = keys[slot]!;
          if (k === key) {
            hits.push(exactKind, slot);
            break;
          }
          if (k === -1) break;
          slot = (slot + 1) & mask;
        }
      }
    }
    if ((bits & NETWORK) !== 0) this.networks.collect(address, hits, networkKind);
    return hits.count - first;
  }

  byteLength(): number {
    return this.exact.byteLength() + this.networks.byteLength() + this.filter.byteLength;
  }

  private mark(block: number, bit: number): void {
    this.filter[block >>> 4]! |= bit << ((block & 15) << 1);
  }

  private markNetwork(network: number, prefix: number): void {
    const first = network >>> 8;
    const count = prefix >= 24 ? 1 : 1 << (24 - prefix);
    for (let block = first; block < first + count; block++) this.mark(block, NETWORK);
  }

  private noteRemoval(): void {
    if (this.filter.length === 0) return;
    if (this.size < FILTER_MIN / 2) {
      this.filter = new Int32Array(0);
      this.staleFilterBits = 0;
    } else if (++this.staleFilterBits > this.size / 4) {
      this.rebuildFilter();
    }
  }

  private rebuildFilter(): void {
    this.filter = new Int32Array(FILTER_WORDS);
    this.exact.forEachSlot((slot) => this.mark(this.exact.keyAt(slot) >>> 8, EXACT));
    this.networks.forEachNetwork((network, prefix) => this.markNetwork(network, prefix));
    this.staleFilterBits = 0;
  }
}
