import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anyUtf16String, domainLike, indicatorLike } from './arbitraries.test-support';
import { parseBlocklistLine } from './blocklist-line';
import { parseIndicator } from './parse-indicator';

const URLHAUS = resolve(__dirname, '../../../../shared/data/urlhaus/urlhaus-filter-online.txt');

describe('parseBlocklistLine', () => {
  it.each([
    ['1.2.3.4', 'ipv4', '1.2.3.4'],
    ['Evil.COM', 'domain', 'evil.com'],
    ['evil.com/dl/x.exe', 'url', 'evil.com/dl/x.exe'],
    ['10.0.0.0/8', 'cidr', '10.0.0.0/8'],
    ['||evil.com^', 'domain', 'evil.com'],
    ['||evil.com', 'domain', 'evil.com'],
    ['||evil.com^$all', 'domain', 'evil.com'],
    ['||evil.com^$third-party,important', 'domain', 'evil.com'],
    ['||1.2.3.4^', 'ipv4', '1.2.3.4'],
    ['||evil.com/^', 'url', 'evil.com/'],
    ['||evil.com/dl/x.exe^$all', 'url', 'evil.com/dl/x.exe'],
    ['||amyuni.com/downloads/usbmmidd_v2.zip^$all', 'url', 'amyuni.com/downloads/usbmmidd_v2.zip'],
    ['||b.org/d/notificaci%c3%b3n.zip^$all', 'url', 'b.org/d/notificaci%C3%B3n.zip'],
    ['||evil.com/a?b=1|', 'url', 'evil.com/a?b=1'],
    ['|http://evil.com/a|', 'url', 'evil.com/a'],
    ['|https://evil.com/a^$document', 'url', 'evil.com/a'],
    ['0.0.0.0 evil.com', 'domain', 'evil.com'],
    ['127.0.0.1\tevil.com  # seen 2025-10-01', 'domain', 'evil.com'],
    ['  ||evil.com^  \r\n', 'domain', 'evil.com'],
  ])('reads %j as %s %j', (line, type, normalized) => {
    expect(parseBlocklistLine(line)).toEqual({ ok: true, type, normalized, warnings: [] });
  });

  it.each([
    '',
    '   ',
    '! Title: Online Malicious URL Blocklist',
    '# a hosts-file comment',
    '[Adblock Plus 2.0]',
    '0.0.0.0 localhost',
    '127.0.0.1 localhost.localdomain',
    '::1 ip6-localhost',
  ])('finds no indicator in %j', (line) => {
    expect(parseBlocklistLine(line)).toBeNull();
  });

  it.each([
    ['@@||good.com^', 'exception rule'],
    ['##.banner', 'cosmetic rule'],
    ['evil.com##.ad', 'cosmetic rule'],
    ['example.com#@#.ad', 'cosmetic rule'],
    ['||evil.com^$domain=a.com', 'option "domain=a.com"'],
    ['||evil.com^$redirect=noop.js', 'option "redirect=noop.js"'],
    ['||evil.com^$~third-party', 'option "~third-party"'],
    ['||*.evil.com^', 'wildcards'],
    ['||evil.com/*/x^', 'wildcards'],
    ['||evil.com^foo', 'inner separators'],
    ['||^', 'names no host'],
    ['|evil.com/a|', 'URL scheme'],
    ['/banner/*/img^', 'unanchored'],
    ['evil.com^', 'unanchored'],
    ['0.0.0.0 a.com b.com', 'several names'],
  ])('refuses %j (%s)', (line, why) => {
    const result = parseBlocklistLine(line);
    expect(result).toMatchObject({ ok: false, code: 'BLOCKLIST_RULE_UNSUPPORTED' });
    expect(result?.ok === false && result.message).toContain(why);
  });

  it('passes a line that is no valid indicator on with the indicator rejection', () => {
    expect(parseBlocklistLine('||evil^')).toMatchObject({ ok: false, code: 'DOMAIN_TOO_BROAD' });
    expect(parseBlocklistLine('||javascript:alert(1)^')).toMatchObject({ ok: false });
    expect(parseBlocklistLine('hxxp://evil[.]com/')).toMatchObject({ ok: false, code: 'DEFANGED' });
    expect(parseBlocklistLine('x'.repeat(9000))).toMatchObject({ ok: false, code: 'TOO_LONG' });
  });

  it('reads every line of the URLhaus online filter list', () => {
    const lines = readFileSync(URLHAUS, 'utf8').split('\n');
    const results = lines.map((line) => parseBlocklistLine(line));
    const indicators = results.filter((result) => result?.ok === true);
    const rejected = results.filter((result) => result?.ok === false);
    const comments = lines.filter((line) => line.startsWith('!')).length;
    expect(rejected).toEqual([]);
    expect(results.filter((result) => result === null).length).toBe(
      comments + lines.filter((line) => line.trim() === '').length,
    );
    expect(indicators.length).toBeGreaterThan(6000);
    const types = new Set(indicators.map((result) => result.type));
    expect(types).toEqual(new Set(['ipv4', 'domain', 'url']));
  });

  it('never throws, whatever the line', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyUtf16String, fc.string({ unit: fc.constantFrom(...'|^$*@#!/ab.1,~=') })),
        (line) => {
          const result = parseBlocklistLine(line);
          expect(result === null || typeof result.ok === 'boolean').toBe(true);
        },
      ),
    );
  });

  it('reads a bare line exactly as parseIndicator does', () => {
    fc.assert(
      fc.property(indicatorLike, (line) => {
        fc.pre(!/[|^*#!@[]/.test(line) && !line.startsWith('/') && line.trim() !== '');
        fc.pre(!/^\s*(0\.0\.0\.0|127\.0\.0\.1|::1?)\s/.test(line));
        expect(parseBlocklistLine(line)).toEqual(parseIndicator(line));
      }),
    );
  });

  it('reads ||host^ and its request-type options as the host itself', () => {
    fc.assert(
      fc.property(domainLike, fc.constantFrom('', '^', '^$all', '^$document,third-party'), (host, tail) => {
        fc.pre(!/[|^*#!@$/?:[]/.test(host));
        expect(parseBlocklistLine(`||${host}${tail}`)).toEqual(parseIndicator(host));
      }),
    );
  });
});
