import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { domainLike } from './arbitraries.test-support';
import { canonicalizeDomain, parseDomainName } from './domain';
import { fastCanonicalDomain } from './domain-fast-path';
import { isRejection } from './rejection';

function indicatorDomain(raw: string) {
  return parseDomainName(raw, 2);
}

describe('domain canonicalization', () => {
  it.each([
    ['evil.com', 'evil.com'],
    ['EVIL.Com', 'evil.com'],
    ['evil.com.', 'evil.com'],
    ['_dmarc.evil.com', '_dmarc.evil.com'],
    ['r3---sn-abc.googlevideo.com', 'r3---sn-abc.googlevideo.com'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['BÜCHER.de', 'xn--bcher-kva.de'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['XN--BCHER-KVA.DE', 'xn--bcher-kva.de'],
    ['пример.рф', 'xn--e1afmkfd.xn--p1ai'],
    ['faß.de', 'xn--fa-hia.de'],
    ['ｅｖｉｌ．com', 'evil.com'],
    ['evil。com', 'evil.com'],
    ['evil.com。', 'evil.com'],
    ['a1.b2.c3', 'a1.b2.c3'],
    ['1evil.com', '1evil.com'],
    ['x.'.repeat(126) + 'c', 'x.'.repeat(126) + 'c'],
    ['a'.repeat(63) + '.com', 'a'.repeat(63) + '.com'],
  ])('canonicalizes %j to %j', (raw, expected) => {
    expect(canonicalizeDomain(raw)).toBe(expected);
    expect(indicatorDomain(raw)).toMatchObject({ ok: true, name: expected });
  });

  it.each([
    ['', 'EMPTY'],
    ['.evil.com', 'DOMAIN_INVALID'],
    ['evil..com', 'DOMAIN_INVALID'],
    ['evil.com..', 'DOMAIN_INVALID'],
    ['.', 'DOMAIN_INVALID'],
    ['evil com.org', 'DOMAIN_INVALID'],
    ['evil.com/x', 'DOMAIN_INVALID'],
    ['evil.com:80', 'DOMAIN_INVALID'],
    ['evil!.com', 'DOMAIN_INVALID'],
    ['*.evil.com', 'DOMAIN_INVALID'],
    ['evil.123', 'DOMAIN_INVALID'],
    ['evil.0x1f', 'DOMAIN_INVALID'],
    ['1.2.3.4', 'DOMAIN_INVALID'],
    ['a'.repeat(64) + '.com', 'DOMAIN_LABEL_TOO_LONG'],
    ['ü'.repeat(60) + '.com', 'DOMAIN_LABEL_TOO_LONG'],
    ['x.'.repeat(126) + 'co', 'DOMAIN_TOO_LONG'],
    ['x'.repeat(2000), 'TOO_LONG'],
    ['xn--zz.com', 'DOMAIN_IDNA_INVALID'],
    ['xn--abc-.com', 'DOMAIN_IDNA_INVALID'],
    ['\u0301ab.com', 'DOMAIN_IDNA_INVALID'],
    ['a\u00a0b.com', 'DOMAIN_INVALID'],
    ['ev\u200bil.com', 'INVISIBLE_CHARACTER'],
    ['ev\u200cil.com', 'INVISIBLE_CHARACTER'],
    ['ev\u200dil.com', 'INVISIBLE_CHARACTER'],
    ['ev\u00adil.com', 'INVISIBLE_CHARACTER'],
    ['ev\u2060il.com', 'INVISIBLE_CHARACTER'],
    ['\ufeffevil.com', 'INVISIBLE_CHARACTER'],
    ['evil\u202egnp.com', 'INVISIBLE_CHARACTER'],
    ['evil\u2066.com', 'INVISIBLE_CHARACTER'],
    ['ev\u180eil.com', 'INVISIBLE_CHARACTER'],
    ['ev\ufe0fil.com', 'INVISIBLE_CHARACTER'],
    ['ev\u{e0041}il.com', 'INVISIBLE_CHARACTER'],
    ['evil\u0000.com', 'CONTROL_CHARACTER'],
    ['evil\u0085.com', 'CONTROL_CHARACTER'],
    ['evil\ud800.com', 'INVALID_UNICODE'],
  ])('rejects %j with %s', (raw, code) => {
    const result = canonicalizeDomain(raw);
    if (!isRejection(result)) throw new Error(`${raw} accepted as ${result}`);
    expect(result.code).toBe(code);
  });

  it('suggests the bare domain for a wildcard, and the address for an IPv4 spelled as a domain', () => {
    expect(canonicalizeDomain('*.evil.com')).toMatchObject({ suggestion: 'evil.com' });
    expect(canonicalizeDomain('127.1')).toMatchObject({ suggestion: '127.0.0.1' });
  });

  it('answers a non-string from an untyped caller with a rejection', () => {
    expect(canonicalizeDomain(42 as unknown as string)).toMatchObject({ ok: false, code: 'EMPTY' });
  });

  it('accepts single-label names in traffic but not as indicators, which would cover a whole TLD', () => {
    expect(canonicalizeDomain('localhost')).toBe('localhost');
    expect(indicatorDomain('com')).toMatchObject({ ok: false, code: 'DOMAIN_TOO_BROAD' });
  });

  it('accepts a mixed-script look-alike as punycode with a MIXED_SCRIPT warning', () => {
    const result = indicatorDomain('pаypal.com'); // Cyrillic а
    expect(result).toMatchObject({ ok: true, name: 'xn--pypal-4ve.com' });
    expect(result.ok && result.warnings).toEqual([
      { code: 'MIXED_SCRIPT', message: expect.stringMatching(/Latin and Cyrillic/) },
    ]);
    expect(indicatorDomain('xn--pypal-4ve.com')).toMatchObject({ warnings: [{ code: 'MIXED_SCRIPT' }] });
  });

  it.each(['пример.com', 'bücher.de', '例え.jp', 'ひらがなカタカナ漢字abc.jp', '한국어abc.kr', 'evil.com'])(
    'does not flag %j, written in one script or an accepted mix',
    (raw) => {
      expect(indicatorDomain(raw)).toMatchObject({ ok: true, warnings: [] });
    },
  );

  it('gives the full algorithm result whenever the fast path answers (property)', () => {
    fc.assert(
      fc.property(domainLike, (raw) => {
        const fast = fastCanonicalDomain(raw);
        if (fast === null) return;
        expect(parseDomainName(raw, 1)).toMatchObject({ ok: true, name: fast });
      }),
      { numRuns: 3000 },
    );
  }, 30_000);

  it('is idempotent: a canonical domain canonicalizes to itself (property)', () => {
    fc.assert(
      fc.property(domainLike, (raw) => {
        const first = canonicalizeDomain(raw);
        if (isRejection(first)) return;
        expect(canonicalizeDomain(first)).toBe(first);
      }),
      { numRuns: 3000 },
    );
  }, 30_000);
});
