import { U32Table } from './u32-table';

/** NETMASK[p]: the int32 mask of a /p network. */
export const NETMASK = Int32Array.from({ length: 33 }, (_, p) => (p === 0 ? 0 : -1 << (32 - p)));

/** A network key: the network with its highest host bit set (unique for prefixes 0..31, never 0). */
export function networkKey(network: number, prefix: number): number {
  return network | (1 << (31 - prefix));
}

/** The prefix length of a network key: the position of its lowest set bit. */
export function keyPrefix(key: number): number {
  return Math.clz32(key & -key);
}

export function keyNetwork(key: number): number {
  return key & NETMASK[keyPrefix(key)]!;
}

/**
 * Networks (prefixes 0..31) in one U32Table keyed by network key, plus, per /16 block, a bit mask of the prefix
 * lengths that can contain an address of that block (bit p: a /p network covers the block, or for p > 16 lies
 * inside it). A lookup probes only those lengths, longest first; most blocks have none or one. For p > 16 a count
 * per (block, p) says when the bit can be cleared.
 */
export class CidrTable {
  table: U32Table;
  lengthsByBlock: Int32Array;
  private readonly countsByBlock: U32Table;

  constructor(
    table: U32Table = new U32Table(),
    lengthsByBlock: Int32Array = new Int32Array(65536),
    countsByBlock: U32Table = new U32Table(),
  ) {
    this.table = table;
    this.lengthsByBlock = lengthsByBlock;
    this.countsByBlock = countsByBlock;
  }

  static forCount(count: number): CidrTable {
    return new CidrTable(U32Table.forCount(count));
  }

  get size(): number {
    return this.table.size;
  }

  /** The (block, prefix) counts, for the serializer. */
  get blockCounts(): U32Table {
    return this.countsByBlock;
  }

  find(network: number, prefix: number): number {
    return this.table.find(networkKey(network, prefix));
  }

  insert(network: number, prefix: number): number {
    const key = networkKey(network, prefix);
    const existing = this.table.find(key);
    if (existing >= 0) return existing;
    const block = network >>> 16;
    if (prefix <= 16) {
      const blocks = 1 << (16 - prefix);
      for (let b = block; b < block + blocks; b++) this.lengthsByBlock[b]! |= 1 << prefix;
    } else {
      const counter = this.countsByBlock.insert(block * 32 + prefix);
      this.countsByBlock.setValues(counter, this.countsByBlock.value0(counter) + 1, 0);
      this.lengthsByBlock[block]! |= 1 << prefix;
    }
    return this.table.insert(key);
  }

  removeAt(slot: number): void {
    const key = this.table.keyAt(slot);
    const prefix = keyPrefix(key);
    const block = keyNetwork(key) >>> 16;
    this.table.removeAt(slot);
    if (prefix <= 16) {
      const blocks = 1 << (16 - prefix);
      for (let b = block; b < block + blocks; b++) this.lengthsByBlock[b]! &= ~(1 << prefix);
      return;
    }
    const counter = this.countsByBlock.find(block * 32 + prefix);
    const count = this.countsByBlock.value0(counter) - 1;
    if (count > 0) {
      this.countsByBlock.setValues(counter, count, 0);
    } else {
      this.countsByBlock.removeAt(counter);
      this.lengthsByBlock[block]! &= ~(1 << prefix);
    }
  }

  byteLength(): number {
    return this.table.byteLength() + this.lengthsByBlock.byteLength + this.countsByBlock.byteLength();
  }
}
