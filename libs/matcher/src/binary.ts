import { MatcherFormatError } from './errors';

const HEADER_BYTES = 16;
const TRAILER_BYTES = 8;
const SECTION_HEADER_BYTES = 8;
export const MAGIC = 0x584d4c54; // "TLMX" in little-endian bytes

/** Section kinds: the reader checks each section's kind and position, so a shifted or foreign blob fails early. */
const INT32S = 1;
const STRINGS = 2;
const BYTES = 3;

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error('@threatline/matcher: the binary format is little-endian and this host is not');
}

/**
 * Writes the binary layout: a 16-byte header (format version, magic, total length, section count), sections of
 * [u32 tag = index << 8 | kind][u32 byte length][payload padded to 4 bytes], and an 8-byte checksum of every word
 * before it. Int32 payloads are native little-endian arrays, so the reader can view them without parsing.
 */
export class BinaryWriter {
  private readonly sections: { kind: number; payload: Uint8Array }[] = [];

  constructor(private readonly version: number) {}

  int32s(values: Int32Array | readonly number[]): void {
    const array = values instanceof Int32Array ? values : Int32Array.from(values);
    this.sections.push({
      kind: INT32S,
      payload: new Uint8Array(array.buffer, array.byteOffset, array.byteLength),
    });
  }

  bytes(values: Uint8Array): void {
    this.sections.push({ kind: BYTES, payload: values });
  }

  strings(values: readonly string[]): void {
    const encoder = new TextEncoder();
    const encoded = values.map((value) => encoder.encode(value));
    const lengths = Int32Array.from(encoded, (bytes) => bytes.length);
    const total = encoded.reduce((sum, bytes) => sum + bytes.length, 0);
    const payload = new Uint8Array(4 + lengths.byteLength + total);
    new DataView(payload.buffer).setUint32(0, values.length, true);
    payload.set(new Uint8Array(lengths.buffer), 4);
    let at = 4 + lengths.byteLength;
    for (const bytes of encoded) {
      payload.set(bytes, at);
      at += bytes.length;
    }
    this.sections.push({ kind: STRINGS, payload });
  }

  finish(): Uint8Array {
    let length = HEADER_BYTES + TRAILER_BYTES;
    for (const section of this.sections) length += SECTION_HEADER_BYTES + padded(section.payload.length);
    const out = new Uint8Array(length);
    const words = new Int32Array(out.buffer);
    words[0] = this.version;
    words[1] = MAGIC;
    words[2] = length;
    words[3] = this.sections.length;
    let at = HEADER_BYTES;
    this.sections.forEach((section, index) => {
      words[at >> 2] = (index << 8) | section.kind;
      words[(at >> 2) + 1] = section.payload.length;
      out.set(section.payload, at + SECTION_HEADER_BYTES);
      at += SECTION_HEADER_BYTES + padded(section.payload.length);
    });
    const [a, b] = wordChecksum(words, words.length - 2);
    words[words.length - 2] = a;
    words[words.length - 1] = b;
    return out;
  }
}

/**
 * Reads sections in the order they were written, as views over the input's bytes: a private copy of them, or,
 * when the caller hands the bytes over (`adopt`), the caller's own buffer (copied anyway if not 4-byte aligned).
 */
export class BinaryReader {
  private readonly data: Uint8Array;
  private readonly words: Int32Array;
  private at = HEADER_BYTES;
  private index = 0;
  private readonly sectionCount: number;

  constructor(input: Uint8Array, expectedVersion: number, adopt: boolean) {
    if (input.length < HEADER_BYTES + TRAILER_BYTES) {
      throw new MatcherFormatError(
        'TRUNCATED',
        `matcher data is ${input.length} bytes, shorter than its header`,
      );
    }
    // The tables are views into these bytes and change in place later.
    this.data = adopt && input.byteOffset % 4 === 0 ? input : input.slice();
    this.words = new Int32Array(this.data.buffer, this.data.byteOffset, this.data.length >> 2);
    const version = this.words[0]!;
    if (version !== expectedVersion) {
      throw new MatcherFormatError(
        'VERSION_MISMATCH',
        `matcher data has format version ${version}, this build reads version ${expectedVersion}: rebuild it`,
      );
    }
    if (this.words[1] !== MAGIC) throw new MatcherFormatError('BAD_MAGIC', 'not matcher data (bad magic)');
    const length = this.words[2]!;
    if (input.length < length) {
      throw new MatcherFormatError(
        'TRUNCATED',
        `matcher data is truncated: ${input.length} of ${length} bytes`,
      );
    }
    if (input.length !== length || length % 4 !== 0) {
      throw new MatcherFormatError(
        'CORRUPT',
        `matcher data is ${input.length} bytes, its header says ${length}`,
      );
    }
    const [a, b] = wordChecksum(this.words, this.words.length - 2);
    if (a !== this.words[this.words.length - 2] || b !== this.words[this.words.length - 1]) {
      throw new MatcherFormatError(
        'CHECKSUM_MISMATCH',
        'matcher data checksum mismatch: the bytes are damaged',
      );
    }
    this.sectionCount = this.words[3]!;
  }

  int32s(): Int32Array {
    const length = this.next(INT32S);
    if (length % 4 !== 0)
      throw new MatcherFormatError('CORRUPT', `section ${this.index - 1} is not whole words`);
    return new Int32Array(this.data.buffer, this.data.byteOffset + this.at - padded(length), length >> 2);
  }

  bytes(): Uint8Array {
    const length = this.next(BYTES);
    return new Uint8Array(this.data.buffer, this.data.byteOffset + this.at - padded(length), length);
  }

  strings(): string[] {
    const length = this.next(STRINGS);
    const start = this.at - padded(length);
    const count = this.words[start >> 2]!;
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const out: string[] = [];
    let at = start + 4 + count * 4;
    for (let i = 0; i < count; i++) {
      const size = this.words[(start >> 2) + 1 + i]!;
      if (size < 0 || at + size > start + length)
        throw new MatcherFormatError('CORRUPT', 'a string runs past its section');
      out.push(decoder.decode(this.data.subarray(at, at + size)));
      at += size;
    }
    return out;
  }

  /** Throws unless every section was read. */
  end(): void {
    if (this.index !== this.sectionCount) {
      throw new MatcherFormatError(
        'CORRUPT',
        `matcher data has ${this.sectionCount} sections, ${this.index} expected`,
      );
    }
  }

  private next(kind: number): number {
    const tag = this.words[this.at >> 2];
    const length = this.words[(this.at >> 2) + 1];
    if (tag === undefined || length === undefined || this.index >= this.sectionCount) {
      throw new MatcherFormatError('CORRUPT', `matcher data ends before section ${this.index}`);
    }
    if (tag !== ((this.index << 8) | kind)) {
      throw new MatcherFormatError('CORRUPT', `section ${this.index} has tag ${tag}, expected kind ${kind}`);
    }
    const end = this.at + SECTION_HEADER_BYTES + padded(length);
    if (length < 0 || end > this.data.length - TRAILER_BYTES) {
      throw new MatcherFormatError('CORRUPT', `section ${this.index} runs past the end`);
    }
    this.at = end;
    this.index++;
    return length;
  }
}

function padded(length: number): number {
  return (length + 3) & ~3;
}

/**
 * Two interleaved lanes of multiply-rotate over the words: each step is a bijection of the lane state for a fixed
 * word and of the word for a fixed state, so any single damaged word changes the result; the lanes keep the loop
 * at memory speed (about 1 ms per 4 MB here).
 */
export function wordChecksum(words: Int32Array, count: number): [number, number] {
  let a = 0x243f6a88;
  let b = 0x85a308d3 | 0;
  let i = 0;
  for (; i + 1 < count; i += 2) {
    a = Math.imul(a ^ words[i]!, 0x9e3779b1);
    a = (a << 13) | (a >>> 19);
    b = Math.imul(b ^ words[i + 1]!, 0x85ebca77);
    b = (b << 17) | (b >>> 15);
  }
  if (i < count) a = Math.imul(a ^ words[i]!, 0x9e3779b1);
  a = Math.imul(a ^ count ^ (b >>> 16), 0xc2b2ae3d);
  b = Math.imul(b ^ (a >>> 13), 0x27d4eb2f);
  return [a ^ (a >>> 16), b ^ (b >>> 15)];
}
