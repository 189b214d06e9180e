import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as arb from './arbitraries.test-support';
import { MatcherFormatError } from './errors';
import { Matcher } from './matcher';
import { FORMAT_VERSION } from './serialize';
import type { IocEntry } from './types';

function sorted(matcher: Matcher): string[] {
  return [
    ...matcher.entries().map((e) => `${e.source}|${e.type}|${e.value}|${e.auditId}|${e.dryRun}`),
    ...matcher.exclusions().map((e) => `${e.type}|${e.value}`),
  ].sort();
}

const sample: IocEntry[] = [
  { value: '1.2.3.4', type: 'ipv4', source: 'MDR', auditId: 'a1', dryRun: false },
  { value: '10.0.0.0/8', type: 'cidr', source: 'XOPS', auditId: 'a2', dryRun: true },
  { value: 'evil.com', type: 'domain', source: 'MDR', auditId: 'a1', dryRun: false },
  { value: 'bad.org/dl/', type: 'url', source: 'XOPS', auditId: 'a3', dryRun: false },
];

/** Byte equality without a per-element deep-equal (megabytes here). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

function problemOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof MatcherFormatError) return `${error.problem}: ${error.message}`;
    throw error;
  }
  return 'loaded';
}

describe('binary serialization', () => {
  it('round-trips: same entries, checksums and decisions, and the same bytes again', () => {
    fc.assert(
      fc.property(
        arb.scenario,
        fc.array(arb.delta, { maxLength: 40 }),
        ([entries, exclusions, checks], deltas) => {
          const original = Matcher.build(entries, exclusions);
          original.apply(deltas);
          const bytes = original.serialize();
          const loaded = Matcher.deserialize(bytes);
          expect(sorted(loaded)).toEqual(sorted(original));
          expect(loaded.checksums()).toEqual(original.checksums());
          for (const [traffic, settings] of checks) {
            expect(loaded.check(traffic, settings)).toEqual(original.check(traffic, settings));
          }
          expect(sameBytes(loaded.serialize(), bytes)).toBe(true);
          // A loaded matcher keeps taking deltas like the original.
          loaded.apply(deltas);
          original.apply(deltas);
          expect(sorted(loaded)).toEqual(sorted(original));
          expect(loaded.checksums()).toEqual(original.checksums());
        },
      ),
      { numRuns: 200 },
    );
  }, 30_000);

  it('round-trips a matcher large enough for every index (block filter, per-block network lengths)', () => {
    const entries: IocEntry[] = [];
    for (let i = 0; i < 70_000; i++) {
      entries.push({
        value: `10.${(i >> 8) & 255}.${i & 255}.1`,
        type: 'ipv4',
        source: 'MDR',
        auditId: 'a',
        dryRun: false,
      });
    }
    for (let i = 0; i < 2000; i++) {
      entries.push({
        value: `172.${i >> 8}.${i & 255}.0/24`,
        type: 'cidr',
        source: 'XOPS',
        auditId: 'b',
        dryRun: false,
      });
    }
    const original = Matcher.build(entries);
    const loaded = Matcher.deserialize(original.serialize());
    for (let i = 0; i < 72_000; i += 101) {
      const address =
        i < 70_000 ? ((10 << 24) | (((i >> 8) & 255) << 16) | ((i & 255) << 8) | 1) >>> 0 : 0xac000005;
      expect(loaded.lookupIpv4(address)).toBe(original.lookupIpv4(address));
    }
    expect(sameBytes(loaded.serialize(), original.serialize())).toBe(true);
  }, 30_000);

  it('copies the input by default and works in place on adopted bytes', () => {
    const bytes = Matcher.build(sample).serialize();
    const before = bytes.slice();
    const copied = Matcher.deserialize(bytes);
    copied.apply([{ op: 'add', entry: { ...sample[0]!, auditId: 'changed' } }]);
    expect(sameBytes(bytes, before)).toBe(true);
    const adopted = Matcher.deserialize(bytes, { adopt: true });
    adopted.apply([{ op: 'add', entry: { ...sample[0]!, auditId: 'changed' } }]);
    expect(sameBytes(bytes, before)).toBe(false);
  });

  it('starts with the format version and ends with a checksum of the bytes before it', () => {
    const bytes = Matcher.build(sample).serialize();
    const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    expect(words[0]).toBe(FORMAT_VERSION);
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe('TLMX');
    expect(words[2]).toBe(bytes.length);
  });

  it('refuses other format versions, truncated, damaged and foreign bytes with a typed error', () => {
    const bytes = Matcher.build(sample).serialize();
    const withVersion = bytes.slice();
    new DataView(withVersion.buffer).setUint32(0, FORMAT_VERSION + 1, true);
    expect(problemOf(() => Matcher.deserialize(withVersion))).toBe(
      `VERSION_MISMATCH: matcher data has format version ${FORMAT_VERSION + 1}, this build reads version ${FORMAT_VERSION}: rebuild it`,
    );
    expect(problemOf(() => Matcher.deserialize(bytes.subarray(0, bytes.length - 12)))).toMatch(
      /^TRUNCATED: matcher data is truncated: \d+ of \d+ bytes$/,
    );
    expect(problemOf(() => Matcher.deserialize(bytes.subarray(0, 10)))).toMatch(/^TRUNCATED/);
    expect(problemOf(() => Matcher.deserialize(new Uint8Array(0)))).toMatch(/^TRUNCATED/);
    for (const at of [20, bytes.length >> 1, bytes.length - 9, bytes.length - 1]) {
      const damaged = bytes.slice();
      damaged[at]! ^= 0x10;
      expect(problemOf(() => Matcher.deserialize(damaged))).toBe(
        'CHECKSUM_MISMATCH: matcher data checksum mismatch: the bytes are damaged',
      );
    }
    const foreign = bytes.slice();
    foreign.set(new TextEncoder().encode('ABCD'), 4);
    expect(problemOf(() => Matcher.deserialize(foreign))).toMatch(/^BAD_MAGIC/);
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(problemOf(() => Matcher.deserialize(longer))).toMatch(/^CORRUPT/);
  });

  it('never lets anything but MatcherFormatError out on arbitrary bytes', () => {
    const valid = Matcher.build(sample).serialize();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (noise, at) => {
        const mixed = valid.slice();
        mixed.set(noise.subarray(0, Math.max(0, mixed.length - (at % mixed.length))), at % mixed.length);
        for (const input of [noise, mixed]) {
          try {
            Matcher.deserialize(input);
          } catch (error) {
            expect(error).toBeInstanceOf(MatcherFormatError);
          }
        }
      }),
    );
  });
});
