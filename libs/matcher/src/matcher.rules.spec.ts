import { describe, expect, it } from 'vitest';
import { Matcher } from './matcher';
import type {
  Decision,
  ExclusionEntry,
  IocEntry,
  IocSource,
  ModuleSettings,
  ThreatFeedAction,
  Traffic,
} from './types';

// One table test per rule of README.md, "Semantics". Factories keep each case to what it is about.

function ioc(value: string, type: IocEntry['type'], overrides: Partial<IocEntry> = {}): IocEntry {
  return { value, type, source: 'MDR', auditId: 'audit-1', dryRun: false, ...overrides };
}

function settings(mdr: ThreatFeedAction | 'OFF', xops: ThreatFeedAction | 'OFF'): ModuleSettings {
  return {
    mdr: { enabled: mdr !== 'OFF', action: mdr === 'OFF' ? 'LOG_ONLY' : mdr },
    xops: { enabled: xops !== 'OFF', action: xops === 'OFF' ? 'LOG_ONLY' : xops },
  };
}

const LOG_BOTH = settings('LOG_ONLY', 'LOG_ONLY');
const DROP_BOTH = settings('LOG_AND_DROP', 'LOG_AND_DROP');

function traffic(overrides: Partial<Traffic> = {}): Traffic {
  return { direction: 'outbound', srcIp: '192.168.1.10', dstIp: '198.51.100.1', ...overrides };
}

/** The decision as "action: source field indicator action[dry]" lines, for readable expectations. */
function summary(decision: Decision): string[] {
  return [
    decision.action +
      (decision.excludedBy ? ` by ${decision.excludedBy.type} ${decision.excludedBy.value}` : ''),
    ...decision.matches.map(
      (m) => `${m.source} ${m.field} ${m.indicator} ${m.action}${m.dryRun ? ' dry' : ''} ${m.auditId}`,
    ),
  ];
}

function decide(
  entries: IocEntry[],
  t: Partial<Traffic>,
  with_: ModuleSettings = LOG_BOTH,
  exclusions: ExclusionEntry[] = [],
): string[] {
  return summary(Matcher.build(entries, exclusions).check(traffic(t), with_));
}

describe('rule 1: fields checked by direction', () => {
  const entries = [
    ioc('10.0.0.1', 'ipv4'),
    ioc('10.0.0.2', 'ipv4'),
    ioc('evil.com', 'domain'),
    ioc('bad.org/x', 'url'),
  ];
  const all = { srcIp: '10.0.0.1', dstIp: '10.0.0.2', domain: 'evil.com', url: 'http://bad.org/x' };

  it('matches outbound traffic on source, destination, domain and URL', () => {
    expect(decide(entries, { ...all, direction: 'outbound' })).toEqual([
      'log',
      'MDR srcIp 10.0.0.1 log audit-1',
      'MDR dstIp 10.0.0.2 log audit-1',
      'MDR domain evil.com log audit-1',
      'MDR url bad.org/x log audit-1',
    ]);
  });

  it('never matches inbound traffic (DNAT, WAF) on its source', () => {
    expect(decide(entries, { ...all, direction: 'inbound' })).toEqual([
      'log',
      'MDR dstIp 10.0.0.2 log audit-1',
      'MDR domain evil.com log audit-1',
      'MDR url bad.org/x log audit-1',
    ]);
  });

  it('matches traffic to the firewall itself on its source only', () => {
    expect(decide(entries, { ...all, direction: 'system' })).toEqual([
      'log',
      'MDR srcIp 10.0.0.1 log audit-1',
    ]);
  });
});

describe('rule 2: what matches what', () => {
  it('matches an address entry exactly, and only that address', () => {
    expect(decide([ioc('203.0.113.5', 'ipv4')], { dstIp: '203.0.113.5' })).toEqual([
      'log',
      'MDR dstIp 203.0.113.5 log audit-1',
    ]);
    expect(decide([ioc('203.0.113.5', 'ipv4')], { dstIp: '203.0.113.6' })).toEqual(['allow']);
  });

  it('matches a network entry by containment and reports every containing network, longest first', () => {
    const entries = [
      ioc('10.0.0.0/8', 'cidr'),
      ioc('10.1.0.0/16', 'cidr'),
      ioc('10.1.2.3', 'ipv4'),
      ioc('10.2.0.0/16', 'cidr'),
    ];
    expect(decide(entries, { dstIp: '10.1.2.3' })).toEqual([
      'log',
      'MDR dstIp 10.1.2.3 log audit-1',
      'MDR dstIp 10.1.0.0/16 log audit-1',
      'MDR dstIp 10.0.0.0/8 log audit-1',
    ]);
    expect(decide(entries, { dstIp: '11.0.0.1' })).toEqual(['allow']);
  });

  it('matches the broadcast and zero addresses like any other', () => {
    const entries = [
      ioc('255.255.255.255', 'ipv4'),
      ioc('0.0.0.0', 'ipv4'),
      ioc('255.255.255.254/31', 'cidr'),
    ];
    expect(decide(entries, { dstIp: '255.255.255.255', srcIp: '0.0.0.0' })).toEqual([
      'log',
      'MDR srcIp 0.0.0.0 log audit-1',
      'MDR dstIp 255.255.255.255 log audit-1',
      'MDR dstIp 255.255.255.254/31 log audit-1',
    ]);
  });

  it('ignores a traffic address that is not strict dotted decimal', () => {
    expect(decide([ioc('10.0.0.1', 'ipv4')], { dstIp: '10.0.0.01' })).toEqual(['allow']);
    expect(decide([ioc('10.0.0.1', 'ipv4')], { dstIp: '' })).toEqual(['allow']);
  });

  it('matches a domain entry on the name and its subdomains at label boundaries, most specific first', () => {
    const entries = [ioc('evil.com', 'domain'), ioc('a.evil.com', 'domain')];
    expect(decide(entries, { domain: 'x.a.evil.com' })).toEqual([
      'log',
      'MDR domain a.evil.com log audit-1',
      'MDR domain evil.com log audit-1',
    ]);
    expect(decide(entries, { domain: 'evil.com' })).toEqual(['log', 'MDR domain evil.com log audit-1']);
    expect(decide(entries, { domain: 'notevil.com' })).toEqual(['allow']);
    expect(decide(entries, { domain: 'evil.com.au' })).toEqual(['allow']);
  });

  it('canonicalizes the traffic domain first: case, trailing dot, IDN', () => {
    const entries = [ioc('evil.com', 'domain'), ioc('xn--bcher-kva.de', 'domain')];
    expect(decide(entries, { domain: 'WWW.Evil.COM.' })).toEqual(['log', 'MDR domain evil.com log audit-1']);
    expect(decide(entries, { domain: 'shop.bücher.de' })).toEqual([
      'log',
      'MDR domain xn--bcher-kva.de log audit-1',
    ]);
  });

  it('lets a domain or URL that cannot be canonicalized match nothing', () => {
    const entries = [ioc('evil.com', 'domain'), ioc('evil.com/', 'url')];
    expect(decide(entries, { domain: 'evil..com\u200b' })).toEqual(['allow']);
    expect(decide(entries, { url: 'javascript:alert(1)' })).toEqual(['allow']);
    expect(decide(entries, { url: 'http://evil.com/' + 'a'.repeat(9000) })).toEqual(['allow']);
  });

  it('judges the whole URL even where a plain host lets the lookup look at the path last', () => {
    // A plain host is final before the path is read; the path is then checked (or canonicalized) only when a
    // URL or domain entry may match, and a URL that does not canonicalize as a whole still matches nothing.
    const entries = [ioc('evil.com', 'domain'), ioc('bad.org/b', 'url')];
    expect(decide(entries, { url: 'http://cdn.evil.com/x/../y' })).toEqual([
      'log',
      'MDR url evil.com log audit-1',
    ]);
    expect(decide(entries, { url: 'http://cdn.evil.com/\ud800' })).toEqual(['allow']);
    expect(decide(entries, { url: 'http://bad.org/a/../b' })).toEqual([
      'log',
      'MDR url bad.org/b log audit-1',
    ]);
    expect(decide(entries, { url: 'http://bad.org/b\ud800' })).toEqual(['allow']);
    const matcher = Matcher.build(entries);
    expect(matcher.lookupUrl('http://bad.org/a/../b')).toBe(1);
    expect(matcher.lookupUrl('http://bad.org/%62')).toBe(1);
    expect(matcher.lookupUrl('http://bad.org/b\ud800')).toBe(0);
    expect(matcher.lookupUrl('http://good.org/b\ud800')).toBe(0);
  });

  it('matches a URL entry on the Safe Browsing host suffixes of the request, not the top-level domain alone', () => {
    const url = 'http://a.b.c.d.e.f.g/1.html';
    const hosts = ['a.b.c.d.e.f.g', 'c.d.e.f.g', 'd.e.f.g', 'e.f.g', 'f.g'];
    for (const host of hosts) expect(decide([ioc(`${host}/1.html`, 'url')], { url })[0]).toBe('log');
    expect(decide([ioc('b.c.d.e.f.g/1.html', 'url')], { url })).toEqual(['allow']);
    expect(decide([ioc('g/1.html', 'url')], { url })).toEqual(['allow']);
  });

  it('matches a URL entry on the path with and without query and on up to four directory prefixes', () => {
    const url = 'https://evil.com/1/2/3/4/5.html?param=1';
    for (const path of ['/1/2/3/4/5.html?param=1', '/1/2/3/4/5.html', '/', '/1/', '/1/2/', '/1/2/3/']) {
      expect(decide([ioc(`evil.com${path}`, 'url')], { url })[0]).toBe('log');
    }
    for (const path of ['/1/2/3/4/', '/1', '/1/2/3/4/5.html?param=2', '/1/2/3/4/5']) {
      expect(decide([ioc(`evil.com${path}`, 'url')], { url })).toEqual(['allow']);
    }
  });

  it('matches an IP-host URL entry on the exact host only', () => {
    expect(decide([ioc('1.2.3.4/bins/', 'url')], { url: 'http://1.2.3.4:8080/bins/x86' })[0]).toBe('log');
    expect(decide([ioc('2.3.4/bins/', 'url')], { url: 'http://1.2.3.4/bins/x86' })).toEqual(['allow']);
  });

  it('canonicalizes the traffic URL first: scheme, case, port, escapes, dot segments, fragment', () => {
    const entries = [ioc('evil.com/a/b.exe', 'url')];
    for (const url of [
      'evil.com/a/b.exe',
      'HTTPS://EVIL.com:443/a/b.exe#top',
      'http://evil.com/x/../a/./b.exe',
      'http://evil.com//a/%62.exe',
      'http://%65vil.com/a/b.exe',
      'http://user:pw@evil.com/a/b.exe',
    ]) {
      expect(decide(entries, { url }), url).toEqual(['log', 'MDR url evil.com/a/b.exe log audit-1']);
    }
  });

  it('reports every URL entry matched, in Safe Browsing order', () => {
    const entries = [ioc('evil.com/', 'url'), ioc('a.evil.com/x/', 'url'), ioc('a.evil.com/x/y?q', 'url')];
    expect(decide(entries, { url: 'http://a.evil.com/x/y?q' })).toEqual([
      'log',
      'MDR url a.evil.com/x/y?q log audit-1',
      'MDR url a.evil.com/x/ log audit-1',
      'MDR url evil.com/ log audit-1',
    ]);
  });

  it('lets a domain entry cover URLs on that domain, reported on the url field', () => {
    expect(decide([ioc('evil.com', 'domain')], { url: 'http://cdn.evil.com/x' })).toEqual([
      'log',
      'MDR url evil.com log audit-1',
    ]);
  });

  it('reports a domain entry once, on the domain field, when the URL host is the traffic domain', () => {
    expect(
      decide([ioc('evil.com', 'domain')], { domain: 'cdn.evil.com', url: 'http://cdn.evil.com/x' }),
    ).toEqual(['log', 'MDR domain evil.com log audit-1']);
    expect(
      decide([ioc('evil.com', 'domain')], { domain: 'www.evil.com', url: 'http://cdn.evil.com/x' }),
    ).toEqual(['log', 'MDR domain evil.com log audit-1', 'MDR url evil.com log audit-1']);
  });
});

describe('rule 3: modules, MDR first', () => {
  const both = (value: string, type: IocEntry['type']): IocEntry[] => [
    ioc(value, type, { source: 'MDR', auditId: 'mdr-feed' }),
    ioc(value, type, { source: 'XOPS', auditId: 'xops-feed' }),
  ];

  it('drops on an MDR LOG_AND_DROP match, reports MDR only and does not check X-Ops', () => {
    expect(decide(both('evil.com', 'domain'), { domain: 'evil.com' }, DROP_BOTH)).toEqual([
      'drop',
      'MDR domain evil.com drop mdr-feed',
    ]);
  });

  it('logs each matching module with LOG_ONLY, MDR first', () => {
    expect(decide(both('evil.com', 'domain'), { domain: 'evil.com' })).toEqual([
      'log',
      'MDR domain evil.com log mdr-feed',
      'XOPS domain evil.com log xops-feed',
    ]);
  });

  it('drops on X-Ops LOG_AND_DROP after MDR only logged', () => {
    expect(
      decide(both('evil.com', 'domain'), { domain: 'evil.com' }, settings('LOG_ONLY', 'LOG_AND_DROP')),
    ).toEqual(['drop', 'MDR domain evil.com log mdr-feed', 'XOPS domain evil.com drop xops-feed']);
  });

  it('checks X-Ops when MDR drops nothing because it has no match', () => {
    const entries = [ioc('evil.com', 'domain', { source: 'XOPS', auditId: 'xops-feed' })];
    expect(decide(entries, { domain: 'evil.com' }, DROP_BOTH)).toEqual([
      'drop',
      'XOPS domain evil.com drop xops-feed',
    ]);
  });

  it('lets a disabled module neither match nor log', () => {
    expect(decide(both('evil.com', 'domain'), { domain: 'evil.com' }, settings('OFF', 'LOG_ONLY'))).toEqual([
      'log',
      'XOPS domain evil.com log xops-feed',
    ]);
    expect(
      decide(both('evil.com', 'domain'), { domain: 'evil.com' }, settings('LOG_AND_DROP', 'OFF')),
    ).toEqual(['drop', 'MDR domain evil.com drop mdr-feed']);
    expect(decide(both('evil.com', 'domain'), { domain: 'evil.com' }, settings('OFF', 'OFF'))).toEqual([
      'allow',
    ]);
  });

  it('reports every match of a module on every checked field', () => {
    const entries = [ioc('10.0.0.0/8', 'cidr'), ioc('evil.com', 'domain'), ioc('evil.com/x', 'url')];
    expect(
      decide(entries, { srcIp: '10.1.1.1', domain: 'evil.com', url: 'http://evil.com/x' }, DROP_BOTH),
    ).toEqual([
      'drop',
      'MDR srcIp 10.0.0.0/8 drop audit-1',
      'MDR domain evil.com drop audit-1',
      'MDR url evil.com/x drop audit-1',
    ]);
  });

  it('allows traffic that matches nothing', () => {
    expect(decide(both('evil.com', 'domain'), { domain: 'good.com' }, DROP_BOTH)).toEqual(['allow']);
  });
});

describe('rule 4: dry run', () => {
  it('never drops on a dry-run entry: the match is logged, marked dry run', () => {
    expect(decide([ioc('evil.com', 'domain', { dryRun: true })], { domain: 'evil.com' }, DROP_BOTH)).toEqual([
      'log',
      'MDR domain evil.com log dry audit-1',
    ]);
  });

  it('does not stop X-Ops when MDR has only dry-run matches', () => {
    const entries = [
      ioc('evil.com', 'domain', { dryRun: true }),
      ioc('evil.com', 'domain', { source: 'XOPS', auditId: 'xops-feed' }),
    ];
    expect(decide(entries, { domain: 'evil.com' }, DROP_BOTH)).toEqual([
      'drop',
      'MDR domain evil.com log dry audit-1',
      'XOPS domain evil.com drop xops-feed',
    ]);
  });

  it('drops on the non-dry-run match of a module and still reports its dry-run matches', () => {
    const entries = [ioc('evil.com', 'domain', { dryRun: true }), ioc('10.0.0.2', 'ipv4')];
    expect(decide(entries, { dstIp: '10.0.0.2', domain: 'evil.com' }, DROP_BOTH)).toEqual([
      'drop',
      'MDR dstIp 10.0.0.2 drop audit-1',
      'MDR domain evil.com log dry audit-1',
    ]);
  });
});

describe('rule 5: exclusions win over the matches they cover', () => {
  const entries = [
    ioc('10.0.0.0/8', 'cidr'),
    ioc('203.0.113.9', 'ipv4'),
    ioc('evil.com', 'domain'),
    ioc('evil.com/dl/', 'url'),
  ];
  const hit = {
    srcIp: '10.1.1.1',
    dstIp: '203.0.113.9',
    domain: 'a.evil.com',
    url: 'http://a.evil.com/dl/x',
  };

  it('lets a HOST exclusion (case-insensitive) cover every match of the traffic', () => {
    expect(
      decide(entries, { ...hit, endpoint: { host: 'Build-01' } }, DROP_BOTH, [
        { type: 'HOST', value: 'build-01' },
      ]),
    ).toEqual(['allow by HOST build-01']);
  });

  it('covers source matches with an IP or NETWORK exclusion containing the source', () => {
    expect(
      decide(entries, { srcIp: '10.1.1.1' }, DROP_BOTH, [{ type: 'NETWORK', value: '10.1.0.0/16' }]),
    ).toEqual(['allow by NETWORK 10.1.0.0/16']);
    expect(decide(entries, { srcIp: '10.1.1.1' }, DROP_BOTH, [{ type: 'IP', value: '10.1.1.1' }])).toEqual([
      'allow by IP 10.1.1.1',
    ]);
  });

  it('covers destination, domain and URL matches with an IP or NETWORK exclusion containing the destination', () => {
    expect(decide(entries, hit, DROP_BOTH, [{ type: 'NETWORK', value: '203.0.113.9/32' }])).toEqual([
      'drop',
      'MDR srcIp 10.0.0.0/8 drop audit-1',
    ]);
  });

  it('lets a DOMAIN exclusion cover domain and URL matches on that domain and its subdomains', () => {
    expect(
      decide(entries, { domain: 'a.evil.com', url: 'http://a.evil.com/dl/x' }, DROP_BOTH, [
        { type: 'DOMAIN', value: 'evil.com' },
      ]),
    ).toEqual(['allow by DOMAIN evil.com']);
    expect(
      decide(entries, { domain: 'b.evil.com' }, DROP_BOTH, [{ type: 'DOMAIN', value: 'a.evil.com' }]),
    ).toEqual(['drop', 'MDR domain evil.com drop audit-1']);
  });

  it('lets a URL exclusion cover URL matches when it is one of the request expressions', () => {
    expect(
      decide(entries, { url: 'http://a.evil.com/dl/x' }, DROP_BOTH, [
        { type: 'URL', value: 'a.evil.com/dl/' },
      ]),
    ).toEqual(['allow by URL a.evil.com/dl/']);
    expect(
      decide(entries, { url: 'http://a.evil.com/dl/x' }, DROP_BOTH, [
        { type: 'URL', value: 'a.evil.com/other/' },
      ]),
    ).toEqual(['drop', 'MDR url evil.com/dl/ drop audit-1', 'MDR url evil.com drop audit-1']);
  });

  it('keeps the matches no exclusion covers, and they decide', () => {
    expect(decide(entries, hit, LOG_BOTH, [{ type: 'DOMAIN', value: 'evil.com' }])).toEqual([
      'log',
      'MDR srcIp 10.0.0.0/8 log audit-1',
      'MDR dstIp 203.0.113.9 log audit-1',
    ]);
  });

  it('names the first covering exclusion in rule order: HOST, IP/NETWORK, DOMAIN, URL', () => {
    const exclusions: ExclusionEntry[] = [
      { type: 'URL', value: 'a.evil.com/dl/' },
      { type: 'DOMAIN', value: 'evil.com' },
      { type: 'NETWORK', value: '0.0.0.0/0' },
      { type: 'NETWORK', value: '203.0.113.0/24' },
      { type: 'IP', value: '203.0.113.9' },
      { type: 'HOST', value: 'pc-7' },
    ];
    const t = { ...hit, srcIp: '192.168.0.1' };
    expect(decide(entries, { ...t, endpoint: { host: 'PC-7' } }, DROP_BOTH, exclusions)).toEqual([
      'allow by HOST pc-7',
    ]);
    expect(decide(entries, t, DROP_BOTH, exclusions)).toEqual(['allow by IP 203.0.113.9']);
    expect(decide(entries, t, DROP_BOTH, exclusions.slice(0, 4))).toEqual([
      'allow by NETWORK 203.0.113.0/24',
    ]);
    expect(
      decide(
        entries,
        { domain: 'a.evil.com', url: 'http://a.evil.com/dl/x' },
        DROP_BOTH,
        exclusions.slice(0, 2),
      ),
    ).toEqual(['allow by DOMAIN evil.com']);
  });

  it('makes a covered MDR match drop nothing, so X-Ops is checked', () => {
    const twoSources = [
      ioc('evil.com', 'domain'),
      ioc('10.0.0.2', 'ipv4', { source: 'XOPS', auditId: 'xops-feed' }),
    ];
    expect(
      decide(twoSources, { domain: 'evil.com', dstIp: '10.0.0.2' }, DROP_BOTH, [
        { type: 'DOMAIN', value: 'evil.com' },
      ]),
    ).toEqual(['drop', 'XOPS dstIp 10.0.0.2 drop xops-feed']);
  });
});

describe('entries', () => {
  it('carry the auditId of their feed and are replaced by a later entry with the same source and value', () => {
    const matcher = Matcher.build([
      ioc('evil.com', 'domain', { auditId: 'old', dryRun: true }),
      ioc('evil.com', 'domain', { auditId: 'new' }),
    ]);
    expect(summary(matcher.check(traffic({ domain: 'evil.com' }), DROP_BOTH))).toEqual([
      'drop',
      'MDR domain evil.com drop new',
    ]);
  });

  it.each<[IocSource, string]>([
    ['MDR', 'drop'],
    ['XOPS', 'log'],
  ])('keep a %s entry in its own module', (source, action) => {
    expect(
      decide(
        [ioc('evil.com', 'domain', { source })],
        { domain: 'evil.com' },
        settings('LOG_AND_DROP', 'LOG_ONLY'),
      )[0],
    ).toBe(action);
  });
});

describe('hit reporting', () => {
  it('reports every matching parent of a URL host of hundreds of labels', () => {
    const host = Array.from({ length: 300 }, () => 'a').join('.');
    const entries = Array.from({ length: 125 }, (_, i) => ioc(host.slice(-(2 * i + 3)), 'domain'));
    const decision = Matcher.build(entries).check(traffic({ url: `http://${host}/x` }), LOG_BOTH);
    expect(decision.matches).toHaveLength(125);
    expect(decision.matches[0]!.indicator).toHaveLength(251);
  });
});
