// The order-independent checksum of a stream state, shared by the agent (inside the matcher) and the service (which
// computes it over its stored rows without building a matcher). Definition, so any side can reimplement it:
//   item    = the entry's canonical text (iocChecksumItem / exclusionChecksumItem)
//   h(item) = FNV-1a 64 over the UTF-8 bytes of item
//   state   = sum of h(item) over the set, mod 2^64, printed as 16 lowercase hex digits
// A sum is commutative and invertible, so adds and removes in any order reach the same value and each delta costs
// one hash. 64-bit arithmetic is done on two uint32 halves: no BigInt on the hot path.

import type { ExclusionEntry, IocEntry } from './types';

const TWO_32 = 4294967296;

/** `source|type|value|auditId|dryRun` with dryRun as 1 or 0. */
export function iocChecksumItem(entry: IocEntry): string {
  return `${entry.source}|${entry.type}|${entry.value}|${entry.auditId}|${entry.dryRun ? '1' : '0'}`;
}

/** `type|value`. */
export function exclusionChecksumItem(exclusion: ExclusionEntry): string {
  return `${exclusion.type}|${exclusion.value}`;
}

const utf8Scratch = new Uint8Array(4);

/** FNV-1a 64 of a string's UTF-8 bytes, as two uint32 halves written into `out` ([hi, lo]). The multiply by the
 *  prime 0x100000001b3 is (h * 0x1b3) + (h << 40) mod 2^64, done on the halves. */
export function fnv1a64(text: string, out: Uint32Array): void {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    let count = 1;
    if (code < 0x80) {
      utf8Scratch[0] = code;
    } else {
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          i++;
        }
      }
      // A lone surrogate is encoded as U+FFFD, as TextEncoder does.
      if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
      count = encodeUtf8(code);
    }
    for (let k = 0; k < count; k++) {
      const x = (lo ^ utf8Scratch[k]!) >>> 0;
      const product = x * 0x1b3;
      const newLo = product >>> 0;
      hi = (Math.imul(hi, 0x1b3) + (product - newLo) / TWO_32 + (x << 8)) >>> 0;
      lo = newLo;
    }
  }
  out[0] = hi;
  out[1] = lo;
}

/** Writes a non-ASCII code point's UTF-8 bytes into utf8Scratch and returns their count. */
function encodeUtf8(code: number): number {
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

/** The running checksum of one stream state (MDR indicators, X-Ops indicators, or exclusions). */
export class StateChecksum {
  private hi = 0;
  private lo = 0;
  private readonly scratch = new Uint32Array(2);

  static fromHex(hex: string): StateChecksum {
    if (!/^[0-9a-f]{16}$/.test(hex)) throw new RangeError(`not a 16-digit lowercase hex checksum: ${hex}`);
    const sum = new StateChecksum();
    sum.hi = Number.parseInt(hex.slice(0, 8), 16);
    sum.lo = Number.parseInt(hex.slice(8), 16);
    return sum;
  }

  add(item: string): void {
    fnv1a64(item, this.scratch);
    const lo = this.lo + this.scratch[1]!;
    this.lo = lo >>> 0;
    this.hi = (this.hi + this.scratch[0]! + (lo >= TWO_32 ? 1 : 0)) >>> 0;
  }

  remove(item: string): void {
    fnv1a64(item, this.scratch);
    const lo = this.lo - this.scratch[1]!;
    this.lo = lo >>> 0;
    this.hi = (this.hi - this.scratch[0]! - (lo < 0 ? 1 : 0)) >>> 0;
  }

  toHex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }

  /** The two halves, for the binary format. */
  halves(): [hi: number, lo: number] {
    return [this.hi, this.lo];
  }

  static fromHalves(hi: number, lo: number): StateChecksum {
    const sum = new StateChecksum();
    sum.hi = hi >>> 0;
    sum.lo = lo >>> 0;
    return sum;
  }
}
