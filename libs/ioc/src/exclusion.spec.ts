import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyUtf16String, indicatorLike } from './arbitraries.test-support';
import { EXCLUSION_TYPES, ExclusionType, normalizeExclusion } from './exclusion';

describe('normalizeExclusion', () => {
  it.each<[ExclusionType, string, string]>([
    ['IP', ' 1.2.3.4 ', '1.2.3.4'],
    ['IP', '1.2.3.4/32', '1.2.3.4'],
    ['NETWORK', '10.0.0.0/8', '10.0.0.0/8'],
    ['NETWORK', '1.2.3.4/32', '1.2.3.4/32'],
    ['DOMAIN', 'Good.Example.', 'good.example'],
    ['DOMAIN', 'bücher.de', 'xn--bcher-kva.de'],
    ['URL', 'https://Good.Example/a/../b', 'good.example/b'],
    ['URL', 'good.example', 'good.example/'],
    ['HOST', '  WKS-042.corp_lan ', 'wks-042.corp_lan'],
  ])('%s %j -> %j', (type, raw, normalized) => {
    expect(normalizeExclusion(type, raw)).toEqual({ ok: true, normalized });
  });

  it.each<[ExclusionType, string, string]>([
    ['IP', '10.0.0.0/8', 'TYPE_MISMATCH'],
    ['IP', '127.1', 'IPV4_NON_CANONICAL'],
    ['IP', 'good.example', 'TYPE_MISMATCH'],
    ['NETWORK', '1.2.3.4', 'TYPE_MISMATCH'],
    ['NETWORK', '10.0.0.1/8', 'CIDR_HOST_BITS_SET'],
    ['NETWORK', '0.0.0.0/0', 'CIDR_TOO_BROAD'],
    ['DOMAIN', 'com', 'DOMAIN_TOO_BROAD'],
    ['DOMAIN', 'ex\u200bample.com', 'INVISIBLE_CHARACTER'],
    ['URL', 'javascript:alert(1)', 'URL_SCHEME_NOT_ALLOWED'],
    ['HOST', '', 'EMPTY'],
    ['HOST', 'wks 042', 'HOST_INVALID'],
    ['HOST', 'wks-ü', 'HOST_INVALID'],
    ['HOST', 'h'.repeat(254), 'HOST_INVALID'],
    ['HOST', 'wks\u0000', 'CONTROL_CHARACTER'],
    ['HOST', '\ufeffwks', 'INVISIBLE_CHARACTER'],
    ['HOST', 'h'.repeat(1 << 20), 'TOO_LONG'],
  ])('%s %j is rejected with %s', (type, raw, code) => {
    expect(normalizeExclusion(type, raw)).toMatchObject({ ok: false, code });
  });

  it('suggests the /32 network for a bare address given as a NETWORK', () => {
    expect(normalizeExclusion('NETWORK', '1.2.3.4')).toMatchObject({ suggestion: '1.2.3.4/32' });
  });

  it('never throws and is idempotent for every type (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EXCLUSION_TYPES),
        fc.oneof(anyUtf16String, indicatorLike),
        (type, raw) => {
          const first = normalizeExclusion(type, raw);
          if (first.ok) expect(normalizeExclusion(type, first.normalized)).toEqual(first);
        },
      ),
      { numRuns: 2000 },
    );
  }, 30_000);
});
