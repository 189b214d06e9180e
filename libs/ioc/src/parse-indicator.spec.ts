import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyUtf16String, domainLike, indicatorLike, urlLike } from './arbitraries.test-support';
import { parseDomainName } from './domain';
import { IocType } from './indicator';
import { parseIndicator } from './parse-indicator';
import { REJECTION_CODES } from './rejection';

describe('parseIndicator detects the type', () => {
  it.each([
    ['1.2.3.4', 'ipv4', '1.2.3.4'],
    ['  1.2.3.4\r\n', 'ipv4', '1.2.3.4'],
    ['10.0.0.0/8', 'cidr', '10.0.0.0/8'],
    ['1.2.3.4/32', 'ipv4', '1.2.3.4'],
    ['Evil.COM.', 'domain', 'evil.com'],
    ['bücher.de', 'domain', 'xn--bcher-kva.de'],
    ['_dmarc.evil.com', 'domain', '_dmarc.evil.com'],
    ['http://evil.com/dl/x.exe', 'url', 'evil.com/dl/x.exe'],
    ['HTTPS://Evil.com:8443/a/../b?x=1#top', 'url', 'evil.com/b?x=1'],
    ['evil.com/', 'url', 'evil.com/'],
    ['evil.com/dl/', 'url', 'evil.com/dl/'],
    ['evil.com:8080', 'url', 'evil.com/'],
    ['evil.com?q', 'url', 'evil.com/?q'],
    ['1.2.3.4/a', 'url', '1.2.3.4/a'],
    ['http://3279880203/x', 'url', '195.127.0.11/x'],
    ['http://bücher.de/ä', 'url', 'xn--bcher-kva.de/%C3%A4'],
  ])('%j is %s %j', (raw, type, normalized) => {
    expect(parseIndicator(raw)).toEqual({ ok: true, type, normalized, warnings: [] });
  });

  it.each([
    ['127.1', 'IPV4_NON_CANONICAL', '127.0.0.1'],
    ['0x7f.1', 'IPV4_NON_CANONICAL', '127.0.0.1'],
    ['010.0.0.1', 'IPV4_NON_CANONICAL', '8.0.0.1'],
    ['3279880203', 'IPV4_NON_CANONICAL', '195.127.0.11'],
    ['1.2.3.256', 'IPV4_INVALID', undefined],
    ['10.1.2.3/8', 'CIDR_HOST_BITS_SET', '10.0.0.0/8'],
    ['10.0.0.0/40', 'CIDR_PREFIX_OUT_OF_RANGE', undefined],
    ['0.0.0.0/0', 'CIDR_TOO_BROAD', undefined],
    ['2001:db8::1', 'IPV6_UNSUPPORTED', undefined],
    ['[::1]', 'IPV6_UNSUPPORTED', undefined],
    ['bob@Evil.com', 'TYPE_UNDETECTED', 'evil.com'],
    ['bob@', 'TYPE_UNDETECTED', undefined],
    ['javascript:alert(1)', 'URL_SCHEME_NOT_ALLOWED', undefined],
    ['data:text/html,x', 'URL_SCHEME_NOT_ALLOWED', undefined],
    ['file:///etc/passwd', 'URL_SCHEME_NOT_ALLOWED', undefined],
    ['com', 'DOMAIN_TOO_BROAD', undefined],
    ['*.evil.com', 'DOMAIN_INVALID', 'evil.com'],
    ['hxxp://evil[.]com/x', 'DEFANGED', 'evil.com/x'],
    ['hxxps://evil[.]com', 'DEFANGED', 'evil.com/'],
    ['evil[.]com', 'DEFANGED', 'evil.com'],
    ['1.2.3[.]4', 'DEFANGED', '1.2.3.4'],
    ['evil(dot)com', 'DEFANGED', 'evil.com'],
  ])('rejects %j with %s', (raw, code, suggestion) => {
    const result = parseIndicator(raw);
    expect(result).toMatchObject({ ok: false, code });
    expect(result.ok ? undefined : result.suggestion).toBe(suggestion);
  });
});

describe('parseIndicator with a given type', () => {
  it.each<[string, IocType, string, string]>([
    ['1.2.3.4', 'ipv4', 'ipv4', '1.2.3.4'],
    ['1.2.3.4/32', 'ipv4', 'ipv4', '1.2.3.4'],
    ['1.2.3.4/32', 'cidr', 'ipv4', '1.2.3.4'],
    ['evil.com', 'url', 'url', 'evil.com/'],
    ['evil.com', 'domain', 'domain', 'evil.com'],
  ])('%j as %s is %s %j', (raw, type, resultType, normalized) => {
    expect(parseIndicator(raw, type)).toMatchObject({ ok: true, type: resultType, normalized });
  });

  it.each<[string, IocType, string]>([
    ['1.2.3.4', 'domain', '1.2.3.4'],
    ['1.2.3.4', 'cidr', '1.2.3.4'],
    ['http://evil.com/x', 'domain', 'evil.com/x'],
    ['evil.com', 'ipv4', 'evil.com'],
    ['10.0.0.0/8', 'ipv4', '10.0.0.0/8'],
  ])('says %j is not a %s but suggests %j', (raw, type, suggestion) => {
    expect(parseIndicator(raw, type)).toMatchObject({ ok: false, code: 'TYPE_MISMATCH', suggestion });
  });

  it("keeps the type's own rejection when the line is no valid indicator of any type", () => {
    expect(parseIndicator('127.1', 'ipv4')).toMatchObject({
      code: 'IPV4_NON_CANONICAL',
      suggestion: '127.0.0.1',
    });
    expect(parseIndicator('evil..com', 'domain')).toMatchObject({ code: 'DOMAIN_INVALID' });
  });
});

describe('parseIndicator on hostile input', () => {
  it.each([
    ['', 'EMPTY'],
    [' \t\r\n', 'EMPTY'],
    ['evil\u0000.com', 'CONTROL_CHARACTER'],
    ['\u0000', 'CONTROL_CHARACTER'],
    ['1.2.3.4\u0007', 'CONTROL_CHARACTER'],
    ['http://evil.com/a\u0001b', 'CONTROL_CHARACTER'],
    ['http://evil.com/\u009b', 'CONTROL_CHARACTER'],
    ['evil.com\ud800', 'INVALID_UNICODE'],
    ['\udfffevil.com', 'INVALID_UNICODE'],
    ['http://evil.com/\udc00', 'INVALID_UNICODE'],
    ['\ufeffevil.com', 'INVISIBLE_CHARACTER'],
    ['http://evil.com/\u202eexe.pdf', 'INVISIBLE_CHARACTER'],
  ])('rejects %j with %s', (raw, code) => {
    expect(parseIndicator(raw)).toMatchObject({ ok: false, code });
  });

  it('rejects a 1 MB line with TOO_LONG before scanning it', () => {
    const line = 'a'.repeat(1 << 20);
    const started = performance.now();
    expect(parseIndicator(line)).toMatchObject({ ok: false, code: 'TOO_LONG' });
    expect(parseIndicator(`http://evil.com/${line}`, 'url')).toMatchObject({ ok: false, code: 'TOO_LONG' });
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('answers a non-string from untyped callers with a rejection', () => {
    expect(parseIndicator(null as unknown as string)).toMatchObject({ ok: false, code: 'EMPTY' });
  });

  it('never throws and always answers with a known code (property)', () => {
    const input = fc.oneof(anyUtf16String, fc.string({ unit: 'binary', maxLength: 40 }), indicatorLike);
    const type = fc.option(fc.constantFrom<IocType>('ipv4', 'cidr', 'domain', 'url'), { nil: undefined });
    fc.assert(
      fc.property(input, type, (raw, given) => {
        const result = parseIndicator(raw, given);
        if (result.ok) expect(typeof result.normalized).toBe('string');
        else expect(REJECTION_CODES).toContain(result.code);
      }),
      { numRuns: 2000 },
    );
  }, 30_000);
});

describe('normalization', () => {
  it('is idempotent: a normalized indicator parses to itself (property)', () => {
    fc.assert(
      fc.property(fc.oneof(indicatorLike, urlLike), (raw) => {
        const first = parseIndicator(raw);
        if (!first.ok) return;
        expect(parseIndicator(first.normalized, first.type)).toEqual(first);
        // Without a type, "1.2.3.4/24" reads as a CIDR even when it was a URL of an IP with path "/24".
        if (!/^[0-9.]+\/[0-9]+$/.test(first.normalized))
          expect(parseIndicator(first.normalized)).toEqual(first);
      }),
      { numRuns: 2000 },
    );
  }, 30_000);

  it('merges spellings of one indicator into one normalized form', () => {
    const spellings = [
      'http://EVIL.com:80/a/./b/../c#x',
      'evil.com/a/c',
      'https://user@evil.com./a//c',
      'evil.com/a/%63',
    ];
    expect(
      new Set(spellings.map((raw) => parseIndicator(raw, 'url')).map((r) => r.ok && r.normalized)),
    ).toEqual(new Set(['evil.com/a/c']));
  });

  it('answers a domain through the ASCII fast path exactly as through IDNA (property)', () => {
    fc.assert(
      fc.property(domainLike, (raw) => {
        const full = parseDomainName(raw.trim(), 2);
        const parsed = parseIndicator(raw, 'domain');
        if (full.ok)
          expect(parsed).toEqual({
            ok: true,
            type: 'domain',
            normalized: full.name,
            warnings: full.warnings,
          });
        else if (parsed.ok) expect(parsed.type).not.toBe('domain');
      }),
      { numRuns: 3000 },
    );
  }, 30_000);

  it('carries the MIXED_SCRIPT warning for domains and URL hosts', () => {
    expect(parseIndicator('pаypal.com')).toMatchObject({ ok: true, warnings: [{ code: 'MIXED_SCRIPT' }] });
    expect(parseIndicator('http://pаypal.com/login')).toMatchObject({
      ok: true,
      normalized: 'xn--pypal-4ve.com/login',
      warnings: [{ code: 'MIXED_SCRIPT' }],
    });
  });
});
