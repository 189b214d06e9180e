import fc from 'fast-check';
import type { ExclusionEntry, IocEntry, MatcherDelta, ModuleSettings, Traffic } from './types';

// Small universes, so random entries, exclusions and traffic collide often enough to exercise every rule.

const octet = fc.constantFrom(0, 1, 128, 255);
export const address = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.tuple(fc.constant(10), fc.constantFrom(0, 1), octet, octet).map((parts) => parts.join('.')),
  },
  { weight: 1, arbitrary: fc.constantFrom('255.255.255.255', '0.0.0.0', '255.255.255.254') },
);

const prefix = fc.constantFrom(8, 9, 15, 16, 17, 20, 21, 23, 24, 25, 30, 31);
export const network = fc.tuple(address, prefix).map(([base, bits]) => {
  const value = base.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  const masked = Math.floor(value / 2 ** (32 - bits)) * 2 ** (32 - bits);
  return `${[24, 16, 8, 0].map((shift) => Math.floor(masked / 2 ** shift) % 256).join('.')}/${bits}`;
});

const label = fc.constantFrom('a', 'evil', 'x-y', 'www');
const tld = fc.constantFrom('com', 'org');
export const domain = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), tld)
  .map(([labels, top]) => [...labels, top].join('.'));

const segment = fc.constantFrom('a', 'dl', 'x.exe');
const path = fc
  .tuple(fc.array(segment, { maxLength: 4 }), fc.boolean())
  .map(([segments, trailing]) => `/${segments.join('/')}${trailing && segments.length > 0 ? '/' : ''}`);
const query = fc.option(fc.constantFrom('', 'q=1', 'a=b&c=/d'), { nil: undefined });

/** A canonical URL indicator: host + path (+ "?" + query). */
export const urlValue = fc
  .tuple(fc.oneof(domain, address), path, query)
  .map(([host, p, q]) => (q === undefined ? host + p : `${host}${p}?${q}`));

export const entry: fc.Arbitrary<IocEntry> = fc
  .tuple(
    fc.oneof(
      address.map((value) => ['ipv4', value] as const),
      network.map((value) => ['cidr', value] as const),
      domain.map((value) => ['domain', value] as const),
      urlValue.map((value) => ['url', value] as const),
    ),
    fc.constantFrom('MDR', 'XOPS'),
    fc.constantFrom('audit-1', 'audit-2', 'audit-3'),
    fc.boolean(),
  )
  .map(([[type, value], source, auditId, dryRun]) => ({ type, value, source, auditId, dryRun }));

export const exclusion: fc.Arbitrary<ExclusionEntry> = fc.oneof(
  address.map((value) => ({ type: 'IP' as const, value })),
  network.map((value) => ({ type: 'NETWORK' as const, value })),
  address.map((value) => ({ type: 'NETWORK' as const, value: `${value}/32` })),
  domain.map((value) => ({ type: 'DOMAIN' as const, value })),
  urlValue.map((value) => ({ type: 'URL' as const, value })),
  fc.constantFrom('pc-1', 'pc-2').map((value) => ({ type: 'HOST' as const, value })),
);

/** A traffic URL: sometimes clean, sometimes needing the full canonicalization. */
const trafficUrl = fc
  .tuple(
    fc.constantFrom('http://', 'https://', '', 'HTTP://', 'ftp://'),
    fc.oneof(
      domain,
      address,
      domain.map((d) => d.toUpperCase()),
      domain.map((d) => `${d}.`),
    ),
    fc.constantFrom('', ':8080', ':1'),
    path,
    query,
    fc.constantFrom('', '#frag', '/./', '/../', '//', '%41', '/.hidden'),
  )
  .map(([scheme, host, port, p, q, noise]) => {
    const noisyPath =
      noise.startsWith('/') || noise.startsWith('%')
        ? p + noise.replace(/^\//, p.endsWith('/') ? '' : '/')
        : p;
    const base = `${scheme}${host}${port}${noise === '#frag' ? p : noisyPath}`;
    return `${base}${q === undefined ? '' : `?${q}`}${noise === '#frag' ? noise : ''}`;
  });

export const traffic: fc.Arbitrary<Traffic> = fc.record(
  {
    direction: fc.constantFrom('outbound', 'inbound', 'system'),
    srcIp: fc.oneof({ weight: 9, arbitrary: address }, { weight: 1, arbitrary: fc.constant('not-an-ip') }),
    dstIp: fc.oneof({ weight: 9, arbitrary: address }, { weight: 1, arbitrary: fc.constant('10.0.0.256') }),
    domain: fc.oneof(
      { weight: 6, arbitrary: domain },
      { weight: 2, arbitrary: domain.map((d) => d.toUpperCase()) },
      { weight: 1, arbitrary: fc.constant('bad..name') },
    ),
    url: trafficUrl,
    endpoint: fc.record({ host: fc.constantFrom('pc-1', 'PC-1', 'pc-3') }, { requiredKeys: [] }),
  },
  { requiredKeys: ['direction', 'srcIp', 'dstIp'] },
);

const setting = fc.record({ enabled: fc.boolean(), action: fc.constantFrom('LOG_ONLY', 'LOG_AND_DROP') });
export const settings: fc.Arbitrary<ModuleSettings> = fc.record({ mdr: setting, xops: setting });

export const delta: fc.Arbitrary<MatcherDelta> = fc.oneof(
  { weight: 4, arbitrary: entry.map((e) => ({ op: 'add' as const, entry: e })) },
  {
    weight: 3,
    arbitrary: entry.map((e) => ({ op: 'remove' as const, source: e.source, value: e.value })),
  },
  { weight: 1, arbitrary: exclusion.map((e) => ({ op: 'addExclusion' as const, exclusion: e })) },
  { weight: 1, arbitrary: exclusion.map((e) => ({ op: 'removeExclusion' as const, exclusion: e })) },
);

/** Traffic built around given values (entry and exclusion values): subdomains of their domains, URLs under their
 *  URLs, their addresses, so most checks match something. Mixed with `traffic` for misses and odd input. */
export function trafficNear(values: readonly string[]): fc.Arbitrary<Traffic> {
  const hostOf = (value: string): string => value.split('/')[0]!;
  const isAddress = (value: string): boolean => /^\d+\.\d+\.\d+\.\d+$/.test(value);
  const addresses = values.map(hostOf).filter(isAddress);
  const names = values.map(hostOf).filter((value) => !isAddress(value));
  const urls = values.filter((value) => value.includes('/') && !/\/\d+$/.test(value));
  const nearDomain =
    names.length === 0
      ? domain
      : fc
          .tuple(fc.constantFrom(...names), fc.constantFrom('', '', 'www.', 'a.evil.', 'X.'))
          .map(([name, sub]) => sub + name);
  const nearUrl =
    urls.length === 0
      ? trafficUrl
      : fc
          .tuple(
            fc.constantFrom('http://', 'https://', '', 'HTTP://'),
            fc.constantFrom(...urls),
            fc.constantFrom('', '', '', 'dl/', 'a/x.exe', '?q=1', './a', 'a/%2E%2E/b', '#f'),
            fc.constantFrom('', '', 'www.'),
          )
          .map(([scheme, value, tail, sub]) => {
            const [host, ...rest] = value.split('/');
            const pathPart = `/${rest.join('/')}`;
            const joiner = pathPart.endsWith('/') || tail.startsWith('?') || tail.startsWith('#') ? '' : '/';
            const full = `${scheme}${isAddress(host!) ? '' : sub}${host!}${pathPart}${tail === '' ? '' : joiner + tail}`;
            return full.replace(/\?([^?#]*)\?/, '?$1&');
          });
  const nearAddress = addresses.length === 0 ? address : fc.oneof(fc.constantFrom(...addresses), address);
  return fc.record(
    {
      direction: fc.constantFrom('outbound', 'outbound', 'inbound', 'system'),
      srcIp: nearAddress,
      dstIp: nearAddress,
      domain: fc.oneof({ weight: 3, arbitrary: nearDomain }, { weight: 1, arbitrary: domain }),
      url: fc.oneof({ weight: 3, arbitrary: nearUrl }, { weight: 1, arbitrary: trafficUrl }),
      endpoint: fc.record({ host: fc.constantFrom('pc-1', 'PC-1', 'pc-3') }, { requiredKeys: [] }),
    },
    { requiredKeys: ['direction', 'srcIp', 'dstIp', 'domain', 'url'] },
  );
}

/** Exclusions made from entries, so that they cover matches: the entry's own value, its domain's parent, a network
 *  around its address. */
function exclusionNear(entries: readonly IocEntry[]): fc.Arbitrary<ExclusionEntry> {
  if (entries.length === 0) return exclusion;
  return fc.tuple(fc.constantFrom(...entries), fc.boolean()).map(([e, wide]): ExclusionEntry => {
    switch (e.type) {
      case 'ipv4':
        return wide
          ? { type: 'NETWORK', value: `${e.value.split('.').slice(0, 3).join('.')}.0/24` }
          : { type: 'IP', value: e.value };
      case 'cidr':
        return { type: 'NETWORK', value: e.value };
      case 'domain': {
        const parent = e.value.split('.').slice(1).join('.');
        return { type: 'DOMAIN', value: wide && parent.includes('.') ? parent : e.value };
      }
      case 'url':
        return wide ? { type: 'URL', value: `${e.value.split('/')[0]!}/` } : { type: 'URL', value: e.value };
    }
  });
}

/** Entries, exclusions and traffic checks around them. */
export const scenario = fc.array(entry, { maxLength: 40, size: 'max' }).chain((entries) =>
  fc.array(fc.oneof(exclusion, exclusionNear(entries)), { maxLength: 6 }).chain((exclusions) => {
    const values = [...entries.map((e) => e.value), ...exclusions.map((e) => e.value)];
    const checks = fc.array(fc.tuple(fc.oneof(traffic, trafficNear(values), trafficNear(values)), settings), {
      minLength: 1,
      maxLength: 20,
    });
    return fc.tuple(fc.constant(entries), fc.constant(exclusions), checks);
  }),
);
