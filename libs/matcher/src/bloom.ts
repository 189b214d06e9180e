/** Per key it is sized for; built for 1.25 times the keys present, so about 16 bits a key (about 1% false
 *  positives) after a build, 13 when it is due for a rebuild. */
const BITS_PER_KEY = 13;

/**
 * A blocked Bloom filter: each key sets 3 bits inside one 32-bit word, so a test is one load and one branch that
 * is almost always "no". It sits in front of the string tables, where most probes (label suffixes and URL
 * expressions of traffic) miss: a linear-probing scan costs a mispredicted branch per probe, this does not, and
 * every false positive costs a probe of the table. It never forgets: removed keys leave their bits until the owner
 * rebuilds it, which only costs false positives.
 */
export class Bloom {
  constructor(
    readonly words: Int32Array,
    /** How many keys it was sized for; past that the owner rebuilds it bigger. */
    readonly sizedFor: number,
  ) {}

  static forKeys(count: number): Bloom {
    const sizedFor = Math.max(64, Math.ceil(count * 1.25));
    return new Bloom(new Int32Array(Math.ceil((sizedFor * BITS_PER_KEY) / 32)), sizedFor);
  }

  add(hash: number): void {
    const mixed = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
    const index = bloomWord(mixed, this.words.length);
    this.words[index] = this.words[index]! | bloomBits(mixed);
  }

  mayContain(hash: number): boolean {
    const mixed = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
    const bits = bloomBits(mixed);
    return (this.words[bloomWord(mixed, this.words.length)]! & bits) === bits;
  }

  byteLength(): number {
    return this.words.byteLength;
  }
}

/** The word of a key: the high 24 bits of its remixed hash scaled to the filter's length. */
export function bloomWord(mixed: number, length: number): number {
  return (((mixed >>> 8) * length) / 16777216) | 0;
}

/** The key's 3 bits in its word, from a second multiply. */
export function bloomBits(mixed: number): number {
  const spread = Math.imul(mixed, 0x9e3779b1);
  return (1 << (spread & 31)) | (1 << ((spread >>> 5) & 31)) | (1 << ((spread >>> 10) & 31));
}
