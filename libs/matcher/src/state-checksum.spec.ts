import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as arb from './arbitraries.test-support';
import { Matcher } from './matcher';
import { exclusionChecksumItem, Fnv1a64, iocChecksumItem, StateChecksum } from './state-checksum';

/** FNV-1a 64 written the textbook way, with BigInt over TextEncoder's bytes. */
function referenceFnv(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/** Any UTF-16 text: ASCII, BMP (lone surrogates included), astral. */
const anyText = fc
  .array(
    fc
      .oneof(
        fc.integer({ min: 0, max: 0x7f }),
        fc.integer({ min: 0x80, max: 0xffff }),
        fc.integer({ min: 0x10000, max: 0x10ffff }),
      )
      .map((codePoint) => String.fromCodePoint(codePoint)),
    { maxLength: 40 },
  )
  .map((chars) => chars.join(''));

describe('Fnv1a64', () => {
  it.each([
    ['', 'cbf29ce484222325'],
    ['a', 'af63dc4c8601ec8c'],
    ['foobar', '85944171f73967e8'],
  ])('hashes %j to the published FNV-1a 64 value', (text, hex) => {
    expect(new Fnv1a64().update(text).hex()).toBe(hex);
  });

  it('hashes the UTF-8 bytes of any string, lone surrogates as U+FFFD', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(new Fnv1a64().update(text).hex()).toBe(referenceFnv(text));
      }),
      { numRuns: 2000 },
    );
  }, 30_000);

  it('streams: hashing parts one after the other equals hashing them joined', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' })), (parts) => {
        const streamed = new Fnv1a64();
        for (const part of parts) streamed.update(part);
        expect(streamed.hex()).toBe(new Fnv1a64().update(parts.join('')).hex());
      }),
    );
  });
});

describe('StateChecksum', () => {
  const item = fc.string({ unit: 'grapheme', maxLength: 30 });

  it('reaches the same value whatever the order of adds and removes', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(item, { maxLength: 30 }),
        fc.uniqueArray(item, { maxLength: 10 }),
        fc.integer(),
        (kept, transient, seed) => {
          const inOrder = new StateChecksum();
          for (const text of kept) inOrder.add(text);
          // Another order, with items that come and go in between.
          const shuffled = fc.sample(fc.shuffledSubarray(kept, { minLength: kept.length }), {
            seed,
            numRuns: 1,
          })[0]!;
          const other = new StateChecksum();
          for (const text of transient) other.add(text);
          for (const text of shuffled) other.add(text);
          for (const text of transient) other.remove(text);
          expect(other.toHex()).toBe(inOrder.toHex());
        },
      ),
    );
  });

  it('is the sum of the item hashes mod 2^64, in 16 hex digits', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 20 }), (items) => {
        const sum = new StateChecksum();
        for (const text of items) sum.add(text);
        const expected = items.reduce(
          (acc, text) => (acc + BigInt(`0x${referenceFnv(text)}`)) % 2n ** 64n,
          0n,
        );
        expect(sum.toHex()).toBe(expected.toString(16).padStart(16, '0'));
      }),
    );
  });

  it('starts at zero, returns to zero, and survives hex round trips', () => {
    const sum = new StateChecksum();
    expect(sum.toHex()).toBe('0000000000000000');
    sum.add('MDR|domain|evil.com|a1|0');
    const hex = sum.toHex();
    expect(hex).toMatch(/^[0-9a-f]{16}$/);
    const restored = StateChecksum.fromHex(hex);
    restored.remove('MDR|domain|evil.com|a1|0');
    expect(restored.toHex()).toBe('0000000000000000');
    expect(() => StateChecksum.fromHex('xyz')).toThrow(RangeError);
  });

  it('names entries and exclusions by their canonical text', () => {
    expect(
      iocChecksumItem({ source: 'XOPS', type: 'cidr', value: '10.0.0.0/8', auditId: 'a-1', dryRun: true }),
    ).toBe('XOPS|cidr|10.0.0.0/8|a-1|1');
    expect(exclusionChecksumItem({ type: 'DOMAIN', value: 'corp.example' })).toBe('DOMAIN|corp.example');
  });
});

describe('matcher checksums', () => {
  it('equal what the service computes from the rows alone, per stream', () => {
    fc.assert(
      fc.property(
        fc.array(arb.entry, { maxLength: 50 }),
        fc.array(arb.exclusion, { maxLength: 10 }),
        (entries, exclusions) => {
          const matcher = Matcher.build(entries, exclusions);
          const mdr = new StateChecksum();
          const xops = new StateChecksum();
          const excluded = new StateChecksum();
          for (const entry of matcher.entries())
            (entry.source === 'MDR' ? mdr : xops).add(iocChecksumItem(entry));
          for (const exclusion of matcher.exclusions()) excluded.add(exclusionChecksumItem(exclusion));
          expect(matcher.checksums()).toEqual({
            mdr: mdr.toHex(),
            xops: xops.toHex(),
            exclusions: excluded.toHex(),
          });
        },
      ),
      { numRuns: 300 },
    );
  }, 30_000);
});
