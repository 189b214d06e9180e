// The order-independent checksum of a stream state, shared by the agent (inside the matcher) and the service (which
// computes it over its stored rows without building a matcher). Definition, so any side can reimplement it:
//   item    = the entry's canonical text (iocChecksumItem / exclusionChecksumItem)
//   h(item) = FNV-1a 64 over the UTF-8 bytes of item
//   state   = sum of h(item) over the set, mod 2^64, printed as 16 lowercase hex digits
// A sum is commutative and invertible, so adds and removes in any order reach the same value and each delta costs
// one hash. 64-bit arithmetic is done on two int32 halves: no BigInt, no float rounding.

import type { ExclusionEntry, IocEntry } from './types';

/** `source|type|value|auditId|dryRun` with dryRun as 1 or 0. */
export function iocChecksumItem(entry: IocEntry): string {
  return `${entry.source}|${entry.type}|${entry.value}|${entry.auditId}|${entry.dryRun ? '1' : '0'}`;
}

/** `type|value`. */
export function exclusionChecksumItem(exclusion: ExclusionEntry): string {
  return `${exclusion.type}|${exclusion.value}`;
}

const utf8Scratch = new Uint8Array(4);
const PRIME_LOW = 0x1b3;

/**
 * FNV-1a 64, streaming: hashing "a" then "b" equals hashing "ab", so the matcher hashes an entry's item from its
 * parts without building the string. State as two int32 halves; each byte: h ^= byte, then
 * h *= 0x100000001b3 = (h * 0x1b3) + (h << 40) mod 2^64, where lo * 0x1b3 is split into 16-bit halves so its high
 * part (the carry into hi) stays exact in int32 arithmetic.
 */
export class Fnv1a64 {
  private hi = 0xcbf29ce4 | 0;
  private lo = 0x84222325 | 0;

  reset(): this {
    this.hi = 0xcbf29ce4 | 0;
    this.lo = 0x84222325 | 0;
    return this;
  }

  copyFrom(other: Fnv1a64): this {
    this.hi = other.hi;
    this.lo = other.lo;
    return this;
  }

  update(text: string): this {
    let hi = this.hi;
    let lo = this.lo;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x80) {
        lo ^= code;
        const carry = ((lo >>> 16) * PRIME_LOW + (((lo & 0xffff) * PRIME_LOW) >>> 16)) >>> 16;
        hi = (Math.imul(hi, PRIME_LOW) + carry + (lo << 8)) | 0;
        lo = Math.imul(lo, PRIME_LOW);
        continue;
      }
      const count = encodeUtf8(text, i);
      if (count === 4) i++;
      for (let k = 0; k < count; k++) {
        lo ^= utf8Scratch[k]!;
        const carry = ((lo >>> 16) * PRIME_LOW + (((lo & 0xffff) * PRIME_LOW) >>> 16)) >>> 16;
        hi = (Math.imul(hi, PRIME_LOW) + carry + (lo << 8)) | 0;
        lo = Math.imul(lo, PRIME_LOW);
      }
    }
    this.hi = hi;
    this.lo = lo;
    return this;
  }

  /** The high 32 bits, unsigned. */
  high(): number {
    return this.hi >>> 0;
  }

  /** The low 32 bits, unsigned. */
  low(): number {
    return this.lo >>> 0;
  }

  hex(): string {
    return this.high().toString(16).padStart(8, '0') + this.low().toString(16).padStart(8, '0');
  }
}

/**
 * Writes the UTF-8 bytes of the non-ASCII character at text[i] into utf8Scratch and returns their count; 4 means
 * a surrogate pair (two UTF-16 units). A lone surrogate is encoded as U+FFFD, as TextEncoder does.
 */
function encodeUtf8(text: string, i: number): number {
  let code = text.charCodeAt(i);
  if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
  }
  if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
  if (code < 0x800) {
    utf8Scratch[0] = 0xc0 | (code >> 6);
    utf8Scratch[1] = 0x80 | (code & 0x3f);
    return 2;
  }
  if (code < 0x10000) {
    utf8Scratch[0] = 0xe0 | (code >> 12);
    utf8Scratch[1] = 0x80 | ((code >> 6) & 0x3f);
    utf8Scratch[2] = 0x80 | (code & 0x3f);
    return 3;
  }
  utf8Scratch[0] = 0xf0 | (code >> 18);
  utf8Scratch[1] = 0x80 | ((code >> 12) & 0x3f);
  utf8Scratch[2] = 0x80 | ((code >> 6) & 0x3f);
  utf8Scratch[3] = 0x80 | (code & 0x3f);
  return 4;
}

const TWO_32 = 4294967296;

/** The running checksum of one stream state (MDR indicators, X-Ops indicators, or exclusions). */
export class StateChecksum {
  private hi = 0;
  private lo = 0;
  private readonly hasher = new Fnv1a64();

  static fromHex(hex: string): StateChecksum {
    if (!/^[0-9a-f]{16}$/.test(hex)) throw new RangeError(`not a 16-digit lowercase hex checksum: ${hex}`);
    return StateChecksum.fromHalves(Number.parseInt(hex.slice(0, 8), 16), Number.parseInt(hex.slice(8), 16));
  }

  static fromHalves(hi: number, lo: number): StateChecksum {
    const sum = new StateChecksum();
    sum.hi = hi >>> 0;
    sum.lo = lo >>> 0;
    return sum;
  }

  add(item: string): void {
    this.hasher.reset().update(item);
    this.addHash(this.hasher);
  }

  remove(item: string): void {
    this.hasher.reset().update(item);
    this.removeHash(this.hasher);
  }

  /** Adds a finished hash (the caller hashed an item's parts into `hash`). */
  addHash(hash: Fnv1a64): void {
    const lo = this.lo + hash.low();
    this.lo = lo >>> 0;
    this.hi = (this.hi + hash.high() + (lo >= TWO_32 ? 1 : 0)) >>> 0;
  }

  removeHash(hash: Fnv1a64): void {
    const lo = this.lo - hash.low();
    this.lo = lo >>> 0;
    this.hi = (this.hi - hash.high() - (lo < 0 ? 1 : 0)) >>> 0;
  }

  toHex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }

  /** The two halves, for the binary format. */
  halves(): [hi: number, lo: number] {
    return [this.hi, this.lo];
  }
}
