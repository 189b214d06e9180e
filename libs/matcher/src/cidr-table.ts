import type { HitBuffer, HitKind } from './hit-buffer';
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

const NO_WORDS = new Int32Array(0);
/** Below this many networks the per-block index is not worth its 256 KB: probe every length in use. */
const BLOCK_INDEX_MIN = 1024;

/**
 * Networks (prefixes 0..31) in a U32Table keyed by network key. A lookup probes one key per prefix length worth
 * trying, longest first. Which lengths: with few networks, every length in use (lengthCounts); with many, a bit
 * mask per /16 block (bit p: a /p network covers the block, or for p > 16 lies inside it), kept exact with a count
 * per (block, p > 16) in countsByBlock, so most blocks name none or one. The block masks are rebuilt on load.
 */
export class CidrTable {
  lengthsByBlock: Int32Array = NO_WORDS;
  /** Networks per prefix length, and the mask of lengths in use. */
  private readonly lengthCounts = new Int32Array(32);
  private lengthsInUse = 0;

  constructor(
    readonly table: U32Table = new U32Table(),
    readonly countsByBlock: U32Table = new U32Table(),
  ) {
    this.forEachNetwork((_, prefix) => this.countLength(prefix, 1));
    if (table.size >= BLOCK_INDEX_MIN) this.buildBlockIndex();
  }

  static forCount(count: number): CidrTable {
    return new CidrTable(U32Table.forCount(count));
  }

  get size(): number {
    return this.table.size;
  }

  /** Bit p set: a network of prefix p is present. */
  get lengths(): number {
    return this.lengthsInUse;
  }

  find(network: number, prefix: number): number {
    return this.table.find(networkKey(network, prefix));
  }

  insert(network: number, prefix: number): number {
    const key = networkKey(network, prefix);
    const existing = this.table.find(key);
    if (existing >= 0) return existing;
    if (prefix > 16) {
      const counter = this.countsByBlock.insert((network >>> 16) * 32 + prefix);
      this.countsByBlock.setValues(counter, this.countsByBlock.value0(counter) + 1, 0);
    }
    this.countLength(prefix, 1);
    const slot = this.table.insert(key);
    if (this.lengthsByBlock.length > 0) this.indexBlocks(network, prefix);
    else if (this.table.size >= BLOCK_INDEX_MIN) this.buildBlockIndex();
    return slot;
  }

  removeAt(slot: number): void {
    const key = this.table.keyAt(slot);
    const prefix = keyPrefix(key);
    const block = keyNetwork(key) >>> 16;
    this.table.removeAt(slot);
    this.countLength(prefix, -1);
    let blockEmptied = prefix <= 16;
    if (prefix > 16) {
      const counter = this.countsByBlock.find(block * 32 + prefix);
      const count = this.countsByBlock.value0(counter) - 1;
      if (count > 0) this.countsByBlock.setValues(counter, count, 0);
      else this.countsByBlock.removeAt(counter);
      blockEmptied = count === 0;
    }
    if (this.lengthsByBlock.length === 0 || !blockEmptied) return;
    if (this.table.size < BLOCK_INDEX_MIN / 2) {
      this.lengthsByBlock = NO_WORDS;
      return;
    }
    const blocks = prefix <= 16 ? 1 << (16 - prefix) : 1;
    for (let b = block; b < block + blocks; b++) this.lengthsByBlock[b]! &= ~(1 << prefix);
  }

  /** Pushes a hit for every network containing `address`, longest prefix first; returns how many. */
  collect(address: number, hits: HitBuffer, kind: HitKind): number {
    if (this.table.size === 0) return 0;
    const first = hits.count;
    let lengths = this.lengthsByBlock.length > 0 ? this.lengthsByBlock[address >>> 16]! : this.lengthsInUse;
    while (lengths !== 0) {
      const prefix = 31 - Math.clz32(lengths);
      lengths ^= 1 << prefix;
      const slot = this.table.find((address & NETMASK[prefix]!) | (1 << (31 - prefix)));
      if (slot >= 0) hits.push(kind, slot);
    }
    return hits.count - first;
  }

  forEachNetwork(visit: (network: number, prefix: number) => void): void {
    this.table.forEachSlot((slot) => {
      const key = this.table.keyAt(slot);
      visit(keyNetwork(key), keyPrefix(key));
    });
  }

  byteLength(): number {
    return this.table.byteLength() + this.countsByBlock.byteLength() + this.lengthsByBlock.byteLength;
  }

  private countLength(prefix: number, delta: number): void {
    const count = (this.lengthCounts[prefix] = this.lengthCounts[prefix]! + delta);
    if (count > 0) this.lengthsInUse |= 1 << prefix;
    else this.lengthsInUse &= ~(1 << prefix);
  }

  private buildBlockIndex(): void {
    this.lengthsByBlock = new Int32Array(65536);
    this.forEachNetwork((network, prefix) => this.indexBlocks(network, prefix));
  }

  private indexBlocks(network: number, prefix: number): void {
    const block = network >>> 16;
    const blocks = prefix <= 16 ? 1 << (16 - prefix) : 1;
    for (let b = block; b < block + blocks; b++) this.lengthsByBlock[b]! |= 1 << prefix;
  }
}
