/** What a hit refers to: the traffic field it matched on and the table its slot belongs to. */
export const HitKind = {
  SrcExact: 0,
  SrcNetwork: 1,
  DstExact: 2,
  DstNetwork: 3,
  Domain: 4,
  Url: 5,
  /** A domain entry matched by the URL's host. */
  UrlHostDomain: 6,
} as const;
export type HitKind = (typeof HitKind)[keyof typeof HitKind];

/** More than one check can produce: 2 x 33 IP hits (an address, a network per prefix length), 2 x 126 domain
 *  entries (at most 253 characters, so 126 parents of a name match), 30 URL expressions. */
const CAPACITY = 512;

/**
 * The matches of one lookup or check, as (kind, slot) pairs in preallocated arrays, so the hot-path lookups
 * allocate nothing. Slots stay valid until the next change to the matcher. A network hit (SrcNetwork,
 * DstNetwork) carries the network key instead of a slot (see AddressIndex.lookup).
 */
export class HitBuffer {
  count = 0;
  readonly kinds = new Uint8Array(CAPACITY);
  readonly slots = new Int32Array(CAPACITY);

  push(kind: HitKind, slot: number): void {
    this.kinds[this.count] = kind;
    this.slots[this.count++] = slot;
  }

  /** Reverses hits [from, count), so a right-to-left scan reports the most specific first. */
  reverseFrom(from: number): void {
    for (let i = from, j = this.count - 1; i < j; i++, j--) {
      const kind = this.kinds[i]!;
      this.kinds[i] = this.kinds[j]!;
      this.kinds[j] = kind;
      const slot = this.slots[i]!;
      this.slots[i] = this.slots[j]!;
      this.slots[j] = slot;
    }
  }
}
