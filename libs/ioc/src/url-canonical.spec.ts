import { describe, expect, it } from 'vitest';
import { CanonicalUrl, formatCanonicalUrl } from './canonical-url';
import { isRejection, Rejection } from './rejection';
import { canonicalizeUrl } from './url';
import { canonicalizeUrlFull } from './url-canonical';

/**
 * The canonicalization examples published in Google Safe Browsing "URLs and Hashing" (Update API v4), in the
 * document's order. Our canonical form has no scheme (Safe Browsing expressions have none), so the expected
 * value is compared without its "http://" or "https://".
 */
const SAFE_BROWSING_VECTORS: readonly (readonly [string, string])[] = [
  ['http://host/%25%32%35', 'http://host/%25'],
  ['http://host/%25%32%35%25%32%35', 'http://host/%25%25'],
  ['http://host/%2525252525252525', 'http://host/%25'],
  ['http://host/asdf%25%32%35asd', 'http://host/asdf%25asd'],
  ['http://host/%%%25%32%35asd%%', 'http://host/%25%25%25asd%25%25'],
  ['http://www.google.com/', 'http://www.google.com/'],
  [
    'http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/%77%77%77%2E%65%62%61%79%2E%63%6F%6D/',
    'http://168.188.99.26/.secure/www.ebay.com/',
  ],
  [
    'http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/',
    'http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/',
  ],
  [
    'http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55%252B',
    'http://host%23.com/~a!b@c%23d$e%25f^00&11*22(33)44_55+',
  ],
  ['http://3279880203/blah', 'http://195.127.0.11/blah'],
  ['http://www.google.com/blah/..', 'http://www.google.com/'],
  ['www.google.com/', 'http://www.google.com/'],
  ['www.google.com', 'http://www.google.com/'],
  ['http://www.evil.com/blah#frag', 'http://www.evil.com/blah'],
  ['http://www.GOOgle.com/', 'http://www.google.com/'],
  ['http://www.google.com.../', 'http://www.google.com/'],
  ['http://www.google.com/foo\tbar\rbaz\n2', 'http://www.google.com/foobarbaz2'],
  ['http://www.google.com/q?', 'http://www.google.com/q?'],
  ['http://www.google.com/q?r?', 'http://www.google.com/q?r?'],
  ['http://www.google.com/q?r?s', 'http://www.google.com/q?r?s'],
  ['http://evil.com/foo#bar#baz', 'http://evil.com/foo'],
  ['http://evil.com/foo;', 'http://evil.com/foo;'],
  ['http://evil.com/foo?bar;', 'http://evil.com/foo?bar;'],
  // The document's input is the raw bytes 0x01 0x80. A lone 0x80 is not UTF-8, so no JS string holds it;
  // its percent-escaped form carries exactly that byte (the unescaping step turns both into the same bytes).
  ['http://\x01%80.com/', 'http://%01%80.com/'],
  ['http://notrailingslash.com', 'http://notrailingslash.com/'],
  ['http://www.gotaport.com:1234/', 'http://www.gotaport.com/'],
  ['  http://www.google.com/  ', 'http://www.google.com/'],
  ['http:// leadingspace.com/', 'http://%20leadingspace.com/'],
  ['http://%20leadingspace.com/', 'http://%20leadingspace.com/'],
  ['%20leadingspace.com/', 'http://%20leadingspace.com/'],
  ['https://www.securesite.com/', 'https://www.securesite.com/'],
  ['http://host.com/ab%23cd', 'http://host.com/ab%23cd'],
  ['http://host.com//twoslashes?more//slashes', 'http://host.com/twoslashes?more//slashes'],
];

function canonical(raw: string): string {
  const url = canonicalizeUrl(raw);
  if (isRejection(url)) throw new Error(`${JSON.stringify(raw)} rejected: ${url.code} ${url.message}`);
  return formatCanonicalUrl(url);
}

function rejected(raw: string): Rejection {
  const url = canonicalizeUrl(raw);
  if (!isRejection(url)) throw new Error(`${JSON.stringify(raw)} accepted as ${formatCanonicalUrl(url)}`);
  return url;
}

describe('Safe Browsing published canonicalization vectors', () => {
  it.each(SAFE_BROWSING_VECTORS)('canonicalizes %j', (input, expected) => {
    expect(canonical(input)).toBe(expected.replace(/^https?:\/\//, ''));
  });

  it('gives the same results through the full algorithm alone', () => {
    for (const [input, expected] of SAFE_BROWSING_VECTORS) {
      const url = canonicalizeUrlFull(input) as CanonicalUrl;
      expect(formatCanonicalUrl(url)).toBe(expected.replace(/^https?:\/\//, ''));
    }
  });
});

describe('URL host canonicalization', () => {
  it.each([
    ['http://0x7f.1/', '127.0.0.1/'],
    ['http://0177.0.0.01/', '127.0.0.1/'],
    ['http://0xc3.0x7f.0x0.0xb/x', '195.127.0.11/x'],
    ['http://195.127.11/', '195.127.0.11/'],
    ['http://0x7F000001/', '127.0.0.1/'],
    ['http://..evil..com../a', 'evil.com/a'],
    ['http://EVIL.Com./', 'evil.com/'],
    ['http://256.256.256.256/', '256.256.256.256/'],
    ['http://1234x.com/', '1234x.com/'],
    ['http://bücher.de/', 'xn--bcher-kva.de/'],
    ['http://B%C3%BCcher.de/', 'xn--bcher-kva.de/'],
    ['http://пример.рф/путь', 'xn--e1afmkfd.xn--p1ai/%D0%BF%D1%83%D1%82%D1%8C'],
    ['http://ＥＶＩＬ.com/', 'evil.com/'],
    ['http://１２７.０.０.１/', '127.0.0.1/'],
    ['http://www.foo。bar.com/', 'www.foo.bar.com/'],
  ])('canonicalizes the host of %j', (input, expected) => {
    expect(canonical(input)).toBe(expected);
  });

  it('flags IPv4 hosts', () => {
    expect(canonicalizeUrl('http://3279880203/')).toMatchObject({ host: '195.127.0.11', hostIsIpv4: true });
    expect(canonicalizeUrl('http://1.2.3.4/')).toMatchObject({ host: '1.2.3.4', hostIsIpv4: true });
    expect(canonicalizeUrl('http://evil.com/')).toMatchObject({ hostIsIpv4: false });
  });

  it('drops userinfo and port: the host is what is connected to', () => {
    expect(canonical('http://user:pass@evil.com:8080/a')).toBe('evil.com/a');
    expect(canonical('http://good.com@evil.com/')).toBe('evil.com/');
    expect(canonical('http://good.com%40evil.com/')).toBe('evil.com/');
    expect(canonical('evil.com:443/x')).toBe('evil.com/x');
    expect(canonical('http://evil.com:/')).toBe('evil.com/');
  });

  it('rejects invisible characters in an internationalized host instead of letting IDNA delete them', () => {
    expect(rejected('http://ev\u200bil.com/').code).toBe('INVISIBLE_CHARACTER');
    expect(rejected('http://ev%E2%80%8Bil.com/').code).toBe('INVISIBLE_CHARACTER');
    expect(rejected('http://ev\u00adil.com/').code).toBe('INVISIBLE_CHARACTER');
  });

  it('rejects hosts that are not valid IDNA, IPv6 literals and bad ports', () => {
    expect(rejected('http://\u0301ab.com/').code).toBe('URL_HOST_INVALID');
    // IDNA maps these onto URL delimiters ("::=", "%"): the host would not survive being parsed again.
    expect(rejected('http://\u2a74/').code).toBe('URL_HOST_INVALID');
    expect(rejected('http://ex\uff05ample.com/').code).toBe('URL_HOST_INVALID');
    expect(rejected('http://[::1]/').code).toBe('IPV6_UNSUPPORTED');
    expect(rejected('http://evil.com:99999/').code).toBe('URL_INVALID');
    expect(rejected('http://evil.com:8o/').code).toBe('URL_INVALID');
  });

  it.each([
    'http://',
    'http:///blah',
    'http://#ref',
    'http://?q',
    '/blah',
    '?query',
    ':',
    '#ref',
    'http://user@/x',
  ])('rejects %j, which has no host', (input) => {
    expect(['URL_HOST_INVALID', 'EMPTY']).toContain(rejected(input).code);
  });
});

describe('URL path and query canonicalization', () => {
  it.each([
    ['http://a.com/foo/.././bar/./../foo.html', 'a.com/foo.html'],
    ['http://a.com//a//b///c////', 'a.com/a/b/c/'],
    ['http://a.com/a/b/.', 'a.com/a/b/'],
    ['http://a.com/a/b/..', 'a.com/a/'],
    ['http://a.com/../../x', 'a.com/x'],
    ['http://a.com/%2e%2e/x', 'a.com/x'],
    ['http://a.com/abc/%2e%2e%2fdef', 'a.com/def'],
    ['http://a.com/a%2Fb', 'a.com/a/b'],
    ['http://a.com/a%3Fb', 'a.com/a?b'],
    ['http://a.com/...', 'a.com/...'],
    ['http://a.com/x?q=1/../2//3', 'a.com/x?q=1/../2//3'],
    ['http://a.com/%7e%7E', 'a.com/~~'],
    ['http://a.com/%c3%a9', 'a.com/%C3%A9'],
    ['http://a.com/é', 'a.com/%C3%A9'],
    ['http://a.com/%ff', 'a.com/%FF'],
    ['http://a.com/%00', 'a.com/%00'],
    ['http://a.com/a b', 'a.com/a%20b'],
    ['http://a.com/\u200b', 'a.com/%E2%80%8B'],
    ['http://a.com', 'a.com/'],
    ['http://a.com?x', 'a.com/?x'],
    ['//a.com/x', 'a.com/x'],
    ['HTTP://A.COM/X', 'a.com/X'],
    ['ftp://a.com/pub', 'a.com/pub'],
  ])('canonicalizes %j', (input, expected) => {
    expect(canonical(input)).toBe(expected);
  });

  it('keeps an absent query apart from an empty one', () => {
    expect(canonicalizeUrl('http://a.com/x')).toMatchObject({ path: '/x', query: null });
    expect(canonicalizeUrl('http://a.com/x?')).toMatchObject({ path: '/x', query: '' });
  });
});

describe('URL schemes', () => {
  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'javascript%3Aalert(1)',
    'data:text/html,<script>alert(1)</script>',
    'file:///etc/passwd',
    'vbscript:msgbox',
    'blob:https://evil.com/0d9c',
    'about:blank',
    'mailto:a@evil.com',
    'ws://evil.com/',
    'gopher://evil.com/',
  ])('rejects %j', (input) => {
    expect(rejected(input).code).toBe('URL_SCHEME_NOT_ALLOWED');
  });

  it('requires "//" after an allowed scheme', () => {
    expect(rejected('http:evil.com/').code).toBe('URL_INVALID');
  });
});

describe('hostile URLs', () => {
  it.each([
    ['', 'EMPTY'],
    ['   ', 'EMPTY'],
    ['http://evil.com/\ud800', 'INVALID_UNICODE'],
    ['http://evil.com/\udc00x', 'INVALID_UNICODE'],
  ])('rejects %j', (input, code) => {
    expect(rejected(input).code).toBe(code);
  });

  it('rejects a 1 MB line before looking at it', () => {
    expect(rejected(`http://a.com/${'x'.repeat(1 << 20)}`).code).toBe('TOO_LONG');
  });

  it('escapes NUL and controls inside the path rather than dropping them (surrounding ones are trimmed)', () => {
    expect(canonical('http://a.com/a\u0000b\u0007c\u0007')).toBe('a.com/a%00b%07c');
  });

  it('unescapes deeply nested escapes in linear time', () => {
    const started = performance.now();
    expect(canonical(`http://a.com/%${'25'.repeat(2700)}`)).toBe('a.com/%25');
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('untyped callers', () => {
  it('answers a non-string with a rejection instead of throwing', () => {
    expect(canonicalizeUrl(undefined as unknown as string)).toMatchObject({ ok: false, code: 'EMPTY' });
  });
});
