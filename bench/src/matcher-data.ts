// Seeded synthetic data for the matcher benchmarks: the same seed gives the same sets on every run, so figures
// compare across runs and machines.
import { formatIpv4 } from '@threatline/ioc';
import type { ExclusionEntry, IocEntry, IocSource } from '@threatline/matcher';

/** mulberry32: a small, fast, well-mixed 32-bit PRNG. */
export class Rng {
  constructor(private state: number) {}

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  u32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

const TLDS = [
  'com',
  'net',
  'org',
  'ru',
  'info',
  'xyz',
  'top',
  'io',
  'de',
  'cn',
  'br',
  'co.uk',
  'com.br',
  'online',
];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const AUDITS = Array.from({ length: 200 }, (_, i) => `audit-${i.toString(36).padStart(6, '0')}`);

export function label(rng: Rng, min: number, max: number): string {
  const length = min + rng.int(max - min + 1);
  let out = LETTERS[rng.int(26)]!;
  for (let i = 1; i < length; i++) out += LETTERS[rng.int(LETTERS.length)]!;
  return out;
}

/** A registrable-looking name: one or two labels over a TLD (2 to 4 labels in all). */
export function registrable(rng: Rng): string {
  const base = label(rng, 4, 12);
  return rng.next() < 0.25 ? `${label(rng, 2, 6)}.${base}.${rng.pick(TLDS)}` : `${base}.${rng.pick(TLDS)}`;
}

/** A traffic name of 3 to 6 labels under `base`. */
export function under(rng: Rng, base: string, minLabels = 3, maxLabels = 6): string {
  let name = base;
  const want = minLabels + rng.int(maxLabels - minLabels + 1);
  while (name.split('.').length < want) name = `${label(rng, 1, 8)}.${name}`;
  return name;
}

function entry(rng: Rng, type: IocEntry['type'], value: string): IocEntry {
  const source: IocSource = rng.next() < 0.7 ? 'MDR' : 'XOPS';
  return { value, type, source, auditId: rng.pick(AUDITS), dryRun: rng.next() < 0.05 };
}

/** Prefix lengths as block lists have them: mostly /24, some longer, few shorter. */
function prefix(rng: Rng): number {
  const r = rng.next();
  if (r < 0.55) return 24;
  if (r < 0.75) return 25 + rng.int(5);
  if (r < 0.95) return 20 + rng.int(4);
  return 16 + rng.int(4);
}

export interface AddressSet {
  entries: IocEntry[];
  exact: Uint32Array;
  networks: { network: number; prefix: number }[];
}

/** `count` addresses and networks, 90% / 10%. */
export function addressSet(rng: Rng, count: number): AddressSet {
  const exact = new Uint32Array(Math.round(count * 0.9));
  const networks: { network: number; prefix: number }[] = [];
  const entries: IocEntry[] = [];
  for (let i = 0; i < exact.length; i++) {
    exact[i] = rng.u32();
    entries.push(entry(rng, 'ipv4', formatIpv4(exact[i]!)));
  }
  for (let i = exact.length; i < count; i++) {
    const bits = prefix(rng);
    const network = (rng.u32() & (-1 << (32 - bits))) >>> 0;
    networks.push({ network, prefix: bits });
    entries.push(entry(rng, 'cidr', `${formatIpv4(network)}/${bits}`));
  }
  return { entries: flat(entries), exact, networks };
}

/** Traffic addresses: `hitRate` of them an indicator address or inside an indicator network, the rest random. */
export function addressTraffic(rng: Rng, set: AddressSet, count: number, hitRate: number): Uint32Array {
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    if (rng.next() >= hitRate) out[i] = rng.u32();
    else if (set.exact.length > 0 && rng.next() < 0.9) out[i] = set.exact[rng.int(set.exact.length)]!;
    else {
      const { network, prefix: bits } = rng.pick(set.networks);
      out[i] = (network + (rng.u32() >>> bits)) >>> 0;
    }
  }
  return out;
}

export function domainSet(rng: Rng, count: number): { entries: IocEntry[]; names: string[] } {
  const seen = new Set<string>();
  while (seen.size < count) seen.add(registrable(rng));
  const names = flat([...seen]);
  return { entries: flat(names.map((name) => entry(rng, 'domain', name))), names };
}

/** Values as they arrive (parsed from JSON or a packet): flat strings, not the cons-strings that concatenation
 *  builds, whose first charCodeAt flattens them on the spot. */
export function flat<T>(values: T): T {
  return JSON.parse(JSON.stringify(values)) as T;
}

/** Traffic names of 3 to 6 labels: `hitRate` of them under an indicator domain, the rest under fresh names. */
export function domainTraffic(
  rng: Rng,
  indicators: readonly string[],
  count: number,
  hitRate: number,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(under(rng, rng.next() < hitRate ? rng.pick(indicators) : registrable(rng)));
  }
  return flat(out);
}

const SEGMENTS = [
  'wp-content',
  'uploads',
  'bins',
  'dl',
  'files',
  'images',
  'js',
  'admin',
  'download',
  'update',
];
const FILES = [
  'x86',
  'mozi.m',
  'invoice.exe',
  'setup.msi',
  'doc.zip',
  'a.js',
  'index.php',
  'payload.bin',
  'i.sh',
];

function urlPath(rng: Rng): string {
  const depth = rng.int(4);
  let path = '';
  for (let i = 0; i < depth; i++) path += `/${rng.next() < 0.5 ? rng.pick(SEGMENTS) : label(rng, 3, 10)}`;
  return `${path}/${rng.pick(FILES)}${rng.next() < 0.1 ? `?id=${rng.int(100000)}` : ''}`;
}

function urlHost(rng: Rng): string {
  return rng.next() < 0.15
    ? formatIpv4(rng.u32())
    : rng.next() < 0.5
      ? `www.${registrable(rng)}`
      : registrable(rng);
}

export function urlSet(rng: Rng, count: number): { entries: IocEntry[]; values: string[] } {
  const seen = new Set<string>();
  while (seen.size < count) seen.add(urlHost(rng) + urlPath(rng));
  const values = flat([...seen]);
  return { entries: flat(values.map((value) => entry(rng, 'url', value))), values };
}

/** Traffic URLs: `hitRate` of them an indicator URL as requested (scheme, sometimes a port), the rest fresh. */
export function urlTraffic(
  rng: Rng,
  indicators: readonly string[],
  count: number,
  hitRate: number,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const scheme = rng.next() < 0.6 ? 'http://' : 'https://';
    const value = rng.next() < hitRate ? rng.pick(indicators) : urlHost(rng) + urlPath(rng);
    const slash = value.indexOf('/');
    const port = rng.next() < 0.05 ? ':8080' : '';
    out.push(scheme + value.slice(0, slash) + port + value.slice(slash));
  }
  return flat(out);
}

export function exclusionSet(rng: Rng, count: number): ExclusionEntry[] {
  const out: ExclusionEntry[] = [];
  for (let i = 0; i < count; i++) {
    const r = rng.next();
    if (r < 0.3) out.push({ type: 'IP', value: formatIpv4(rng.u32()) });
    else if (r < 0.5)
      out.push({ type: 'NETWORK', value: `${formatIpv4((rng.u32() & 0xffffff00) >>> 0)}/24` });
    else if (r < 0.8) out.push({ type: 'DOMAIN', value: registrable(rng) });
    else if (r < 0.95) out.push({ type: 'URL', value: `${registrable(rng)}/${label(rng, 3, 8)}/` });
    else out.push({ type: 'HOST', value: `pc-${i}` });
  }
  return flat(out);
}

/** `count` networks only, for the net.BlockList comparison. */
export function networkSet(rng: Rng, count: number): AddressSet {
  const set = addressSet(rng, count * 10);
  const networks = set.networks.slice(0, count);
  return {
    entries: set.entries.filter((entry) => entry.type === 'cidr').slice(0, count),
    exact: new Uint32Array(0),
    networks,
  };
}

/** The compile/load/delta workload: 35% addresses, 5% networks, 40% domains, 20% URLs. */
export function mixedSet(rng: Rng, count: number): IocEntry[] {
  return [
    ...addressSet(rng, Math.round(count * 0.4)).entries,
    ...domainSet(rng, Math.round(count * 0.4)).entries,
    ...urlSet(rng, Math.round(count * 0.2)).entries,
  ];
}
