// The real URLhaus blocklist (../shared/data, Adblock syntax) as matcher entries and as traffic.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIndicator } from '@threatline/ioc';
import type { IocEntry } from '@threatline/matcher';
import { flat, label, registrable, type Rng } from './matcher-data';

/** bench/dist -> repo root -> ../shared/data. */
export const URLHAUS_FILE = join(
  __dirname,
  '..',
  '..',
  '..',
  'shared',
  'data',
  'urlhaus',
  'urlhaus-filter-online.txt',
);

export interface Urlhaus {
  /** The list as published, for the adblocker baseline. */
  text: string;
  entries: IocEntry[];
  /** Lines parseIndicator rejected, with its reason. */
  rejected: { line: string; code: string }[];
}

/** `||host/path^$all` are URLs (a bare `||host^$all` a domain), other lines bare addresses or domains. */
export function loadUrlhaus(rng: Rng): Urlhaus {
  const text = readFileSync(URLHAUS_FILE, 'utf8');
  const entries: IocEntry[] = [];
  const rejected: { line: string; code: string }[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('!')) continue;
    const raw = line.startsWith('||') ? line.slice(2).replace(/\^(\$.*)?$/, '') : line;
    const parsed = parseIndicator(raw);
    if (!parsed.ok) {
      rejected.push({ line, code: parsed.code });
      continue;
    }
    if (seen.has(parsed.normalized)) continue;
    seen.add(parsed.normalized);
    entries.push({
      value: parsed.normalized,
      type: parsed.type,
      source: rng.next() < 0.7 ? 'MDR' : 'XOPS',
      auditId: `urlhaus-${rng.int(20)}`,
      dryRun: false,
    });
  }
  return { text, entries, rejected };
}

export interface UrlhausTraffic {
  urls: string[];
  domains: string[];
  addresses: string[];
}

/** `count` requests: `hitRate` of them to a listed URL, domain or address (as a browser would send it), the rest
 *  to fresh hosts. */
export function urlhausTraffic(
  rng: Rng,
  entries: readonly IocEntry[],
  count: number,
  hitRate: number,
): UrlhausTraffic {
  const urls: string[] = [];
  const domains: string[] = [];
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    let host: string;
    let path = `/${label(rng, 3, 10)}/${label(rng, 3, 12)}.js`;
    if (rng.next() < hitRate) {
      const entry = rng.pick(entries);
      // A network's own address is inside it.
      const slash = entry.value.indexOf('/');
      host = slash < 0 ? entry.value : entry.value.slice(0, slash);
      if (entry.type === 'url') path = entry.value.slice(slash);
    } else {
      host =
        rng.next() < 0.1
          ? `${1 + rng.int(223)}.${rng.int(256)}.${rng.int(256)}.${rng.int(256)}`
          : `www.${registrable(rng)}`;
    }
    const isAddress = /^\d+\.\d+\.\d+\.\d+$/.test(host);
    urls.push(`${rng.next() < 0.5 ? 'http' : 'https'}://${host}${path}`);
    domains.push(isAddress ? `${label(rng, 4, 8)}.example.net` : host);
    addresses.push(isAddress ? host : `${1 + rng.int(223)}.${rng.int(256)}.${rng.int(256)}.${rng.int(256)}`);
  }
  return { urls: flat(urls), domains: flat(domains), addresses: flat(addresses) };
}
