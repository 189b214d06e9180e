import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanUrlLike, urlLike } from './arbitraries.test-support';
import { canonicalizeUrlFull } from './url-canonical';
import { fastCanonicalizeUrl } from './url-fast-path';

describe('URL fast path', () => {
  it.each([
    ['http://evil.com/dl/x.exe', { host: 'evil.com', path: '/dl/x.exe', query: null, hostIsIpv4: false }],
    [
      'https://a-b_c.example.org/p?q=1/2?',
      { host: 'a-b_c.example.org', path: '/p', query: 'q=1/2?', hostIsIpv4: false },
    ],
    ['evil.com', { host: 'evil.com', path: '/', query: null, hostIsIpv4: false }],
    ['evil.com?x', { host: 'evil.com', path: '/', query: 'x', hostIsIpv4: false }],
    ['http://1.2.3.4/a', { host: '1.2.3.4', path: '/a', query: null, hostIsIpv4: true }],
  ])('canonicalizes clean %j by slicing', (input, expected) => {
    expect(fastCanonicalizeUrl(input)).toEqual(expected);
  });

  it.each([
    'http://Evil.com/',
    'http://evil.com./',
    'http://evil..com/',
    'http://evil.com:80/',
    'http://u@evil.com/',
    'http://3279880203/',
    'http://1.2.3.04/',
    'http://evil.com/a%20b',
    'http://evil.com//a',
    'http://evil.com/./a',
    'http://evil.com/a/..',
    'http://evil.com/a#f',
    'http://evil.com/a b',
    'http://evil.com/é',
    'http://bücher.de/',
    ' http://evil.com/',
    'HTTP://evil.com/',
    'ftp://evil.com/',
    'javascript:alert(1)',
    '',
  ])('leaves %j to the full algorithm', (input) => {
    expect(fastCanonicalizeUrl(input)).toBeNull();
  });

  it('gives exactly the full algorithm result whenever it answers (property)', () => {
    let answered = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.oneof(cleanUrlLike, urlLike), (url) => {
        runs++;
        const fast = fastCanonicalizeUrl(url);
        if (fast === null) return;
        answered++;
        expect(fast).toEqual(canonicalizeUrlFull(url));
      }),
      { numRuns: 10000 },
    );
    // The generator must feed the fast path, or the property would prove nothing.
    expect(answered / runs).toBeGreaterThan(0.3);
  }, 30_000);
});
