// The peers the matcher is measured against, each doing the same job the plain way.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BlockList } from 'node:net';
import { join } from 'node:path';
import { FiltersEngine, Request } from '@ghostery/adblocker';
import { canonicalizeUrl, formatIpv4, type CanonicalUrl } from '@threatline/ioc';

/** A Set of domains, walked suffix by suffix with substrings: the obvious implementation. */
export function setSuffixWalk(domains: readonly string[]): (name: string) => number {
  const set = new Set(domains);
  return (name) => {
    let hits = set.has(name) ? 1 : 0;
    for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
      if (set.has(name.slice(dot + 1))) hits++;
    }
    return hits;
  };
}

/** @ghostery/adblocker with one `||value` network filter per indicator, asked through its full request path. */
export function adblocker(
  values: readonly string[],
  asRule: (value: string) => string,
): (url: string) => number {
  const engine = FiltersEngine.parse(values.map(asRule).join('\n'), {
    loadCosmeticFilters: false,
    enableOptimizations: true,
  });
  return (url) => (engine.match(Request.fromRawDetails({ url, type: 'other' })).match ? 1 : 0);
}

/** Every Safe Browsing expression built as a string and looked up in a Set of URL indicators. */
export function setOfExpressions(urls: readonly string[]): (url: string) => number {
  const set = new Set(urls);
  return (raw) => {
    const url = canonicalizeUrl(raw);
    if ('ok' in url) return 0;
    let hits = 0;
    for (const expression of expressions(url)) if (set.has(expression)) hits++;
    return hits;
  };
}

function expressions(url: CanonicalUrl): string[] {
  const hosts = [url.host];
  if (!url.hostIsIpv4) {
    const labels = url.host.split('.');
    for (let k = Math.min(5, labels.length - 1); k >= 2; k--) hosts.push(labels.slice(-k).join('.'));
  }
  const paths = [url.query === null ? url.path : `${url.path}?${url.query}`, url.path, '/'];
  const segments = url.path.split('/');
  let prefix = '/';
  for (let i = 1; i < segments.length - 1 && i < 4; i++) {
    prefix += `${segments[i]}/`;
    paths.push(prefix);
  }
  const unique = [...new Set(paths)];
  return hosts.flatMap((host) => unique.map((path) => host + path));
}

/** Node's net.BlockList with one subnet rule per network (linear in the rules), asked with address text. */
export function blockList(
  networks: readonly { network: number; prefix: number }[],
): (address: string) => number {
  const list = new BlockList();
  for (const { network, prefix } of networks) list.addSubnet(formatIpv4(network), prefix, 'ipv4');
  return (address) => (list.check(address, 'ipv4') ? 1 : 0);
}

/** The same BlockList baseline timed under another Node binary (matcher-blocklist-probe.js in a child process),
 *  or null when that binary is missing or fails. */
export function blockListUnder(
  nodeBinary: string,
  networks: readonly { network: number; prefix: number }[],
  addresses: readonly string[],
): { node: string; perSecond: number } | null {
  if (!existsSync(nodeBinary)) return null;
  const input = JSON.stringify({
    networks: networks.map(({ network, prefix }) => [formatIpv4(network), prefix]),
    addresses,
    rounds: 3,
  });
  const run = spawnSync(nodeBinary, [join(__dirname, 'matcher-blocklist-probe.js')], {
    input,
    encoding: 'utf8',
  });
  if (run.status !== 0) return null;
  return JSON.parse(run.stdout) as { node: string; perSecond: number };
}
