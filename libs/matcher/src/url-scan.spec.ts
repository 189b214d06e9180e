import { canonicalizeUrl } from '@threatline/ioc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { END, HOST_END, HOST_IS_IPV4, HOST_START, PATH_START, scanCleanUrl } from './url-scan';

/** What the full canonicalization makes of a URL, in the form the fast path produces (host, path?query). */
function canonical(raw: string): { host: string; rest: string; hostIsIpv4: boolean } | null {
  const url = canonicalizeUrl(raw);
  if ('ok' in url) return null;
  return {
    host: url.host,
    rest: url.query === null ? url.path : `${url.path}?${url.query}`,
    hostIsIpv4: url.hostIsIpv4,
  };
}

function scanned(raw: string): { host: string; rest: string; hostIsIpv4: boolean } | null {
  const at = new Int32Array(5);
  if (!scanCleanUrl(raw, at)) return null;
  return {
    host: raw.slice(at[HOST_START], at[HOST_END]),
    rest: raw.slice(at[PATH_START], at[END]),
    hostIsIpv4: at[HOST_IS_IPV4] === 1,
  };
}

const piece = fc.constantFrom(
  'a',
  'evil',
  'x-y',
  '0',
  '1',
  '255',
  '256',
  '1000',
  '01',
  '0255',
  '0x7f',
  'xn--bcher-kva',
  'A',
  '-a',
  'a-',
  'a--b',
  '',
  '_',
  'é',
);
const host = fc.array(piece, { minLength: 1, maxLength: 5 }).map((labels) => labels.join('.'));
const segment = fc.constantFrom(
  'a',
  'dl',
  'x.exe',
  '.',
  '..',
  '',
  '%41',
  '%2e',
  'A B',
  '.hidden',
  ';x=1',
  '~u',
  '"q"',
  '\\',
);
const url = fc
  .tuple(
    fc.constantFrom('http://', 'https://', 'HTTP://', 'ftp://', '', 'http:/', 'http://user@'),
    host,
    fc.constantFrom('', ':80', ':8080', ':', ':99999', ':0'),
    fc.array(segment, { maxLength: 5 }),
    fc.option(fc.constantFrom('', 'q=1', 'a=/b?c', '%20', 'x y'), { nil: undefined }),
    fc.option(fc.constantFrom('', 'f', 'f\u0000'), { nil: undefined }),
  )
  .map(
    ([scheme, h, port, segments, query, fragment]) =>
      `${scheme}${h}${port}${segments.length > 0 ? '/' : ''}${segments.join('/')}` +
      `${query === undefined ? '' : `?${query}`}${fragment === undefined ? '' : `#${fragment}`}`,
  );

describe('scanCleanUrl (the allocation-free fast path)', () => {
  it('agrees with the full canonicalization whenever it accepts a URL', () => {
    fc.assert(
      fc.property(url, (raw) => {
        const fast = scanned(raw);
        if (fast !== null) expect(fast).toEqual(canonical(raw));
      }),
      { numRuns: 20_000 },
    );
  }, 30_000);

  it.each([
    ['http://evil.com/dl/x.exe', 'evil.com', '/dl/x.exe'],
    ['https://a.b.evil.com:8443/x?y=1&z=/w#top', 'a.b.evil.com', '/x?y=1&z=/w'],
    ['http://10.1.2.3/bins/x86', '10.1.2.3', '/bins/x86'],
    ['http://evil.com/?', 'evil.com', '/?'],
    ['http://evil.com/a/.hidden/', 'evil.com', '/a/.hidden/'],
  ])('takes %s as already canonical', (raw, expectedHost, rest) => {
    expect(scanned(raw)).toEqual({
      host: expectedHost,
      rest,
      hostIsIpv4: /^\d+\.\d+\.\d+\.\d+$/.test(expectedHost),
    });
  });

  it.each([
    'evil.com/x',
    'HTTP://evil.com/x',
    'http://Evil.com/x',
    'http://evil.com',
    'http://evil.com?x',
    'http://evil.com./x',
    'http://0x7f.1/x',
    'http://127.1/x',
    'http://010.1.2.3/x',
    'http://xn--bcher-kva.de/x',
    'http://user@evil.com/x',
    'http://evil.com:99999/x',
    'http://evil.com/a//b',
    'http://evil.com/a/../b',
    'http://evil.com/a/./b',
    'http://evil.com/%41',
    'http://evil.com/a b',
    'http://evil.com/é',
    'http://evil.com/x#\u0000',
  ])('leaves %s to the full canonicalization', (raw) => {
    expect(scanned(raw)).toBeNull();
  });
});
