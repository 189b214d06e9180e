import { canonicalizeDomain, canonicalizeUrl, parseIpv4, type CanonicalUrl } from '@threatline/ioc';
import type {
  Decision,
  ExclusionEntry,
  IocEntry,
  IocSource,
  Match,
  MatchField,
  MatcherDelta,
  ModuleSettings,
  Traffic,
} from './types';

/**
 * The semantics written plainly, for the property tests: Maps of entries, string expressions, linear scans.
 * Slow and obviously right; the compiled matcher must agree with it on every input.
 */
export class ReferenceMatcher {
  readonly entries = new Map<string, IocEntry>();
  readonly exclusions = new Map<string, ExclusionEntry>();

  constructor(entries: readonly IocEntry[] = [], exclusions: readonly ExclusionEntry[] = []) {
    for (const entry of entries) this.apply([{ op: 'add', entry }]);
    for (const exclusion of exclusions) this.apply([{ op: 'addExclusion', exclusion }]);
  }

  apply(batch: readonly MatcherDelta[]): void {
    for (const delta of batch) {
      switch (delta.op) {
        case 'add':
          this.entries.set(`${delta.entry.source}|${delta.entry.value}`, delta.entry);
          break;
        case 'remove':
          this.entries.delete(`${delta.source}|${delta.value}`);
          break;
        case 'addExclusion':
          this.exclusions.set(`${delta.exclusion.type}|${delta.exclusion.value}`, delta.exclusion);
          break;
        case 'removeExclusion':
          this.exclusions.delete(`${delta.exclusion.type}|${delta.exclusion.value}`);
          break;
      }
    }
  }

  check(traffic: Traffic, settings: ModuleSettings): Decision {
    const view = new TrafficView(traffic);
    const matches: Match[] = [];
    const coverers: ExclusionEntry[] = [];
    let drop = false;
    for (const source of ['MDR', 'XOPS'] as const) {
      const setting = source === 'MDR' ? settings.mdr : settings.xops;
      if (!setting.enabled) continue;
      const found: Match[] = [];
      for (const candidate of this.matchesOf(source, view)) {
        const covering = [...this.exclusions.values()].filter((exclusion) =>
          covers(exclusion, candidate.field, view),
        );
        if (covering.length > 0) {
          coverers.push(...covering);
          continue;
        }
        const drops = setting.action === 'LOG_AND_DROP' && !candidate.dryRun;
        found.push({ ...candidate, action: drops ? 'drop' : 'log' });
      }
      const moduleDrops = found.some((match) => match.action === 'drop');
      if (moduleDrops && source === 'MDR') return { action: 'drop', matches: found };
      drop ||= moduleDrops;
      matches.push(...found);
    }
    if (matches.length > 0) return { action: drop ? 'drop' : 'log', matches };
    if (coverers.length === 0) return { action: 'allow', matches: [] };
    coverers.sort(exclusionOrder);
    return { action: 'allow', matches: [], excludedBy: coverers[0] };
  }

  /** Every match of one source, in report order: srcIp, dstIp, domain, url; most specific first in each. */
  private matchesOf(source: IocSource, view: TrafficView): Omit<Match, 'action'>[] {
    const entries = [...this.entries.values()].filter((entry) => entry.source === source);
    const out: Omit<Match, 'action'>[] = [];
    const report = (field: MatchField, matched: IocEntry[]): void => {
      for (const entry of matched) {
        out.push({ source, field, indicator: entry.value, auditId: entry.auditId, dryRun: entry.dryRun });
      }
    };
    const byAddress = (address: number): IocEntry[] => [
      ...entries.filter((entry) => entry.type === 'ipv4' && parseIpv4(entry.value) === address),
      ...entries
        .filter((entry) => entry.type === 'cidr' && networkContains(entry.value, address))
        .sort((a, b) => prefixOf(b.value) - prefixOf(a.value)),
    ];
    const byName = (name: string): IocEntry[] =>
      suffixesOf(name).flatMap((suffix) => entries.filter((e) => e.type === 'domain' && e.value === suffix));
    const { direction } = view.traffic;
    if (direction !== 'inbound' && view.srcIp !== null) report('srcIp', byAddress(view.srcIp));
    if (direction === 'system') return out;
    if (view.dstIp !== null) report('dstIp', byAddress(view.dstIp));
    if (view.domain !== null) report('domain', byName(view.domain));
    if (view.url !== null) {
      const expressions = view.expressions;
      report(
        'url',
        expressions.flatMap((expression) =>
          entries.filter((e) => e.type === 'url' && e.value === expression),
        ),
      );
      if (view.url.host !== view.domain) report('url', byName(view.url.host));
    }
    return out;
  }
}

class TrafficView {
  readonly srcIp: number | null;
  readonly dstIp: number | null;
  readonly domain: string | null;
  readonly url: CanonicalUrl | null;
  readonly expressions: string[];

  constructor(readonly traffic: Traffic) {
    this.srcIp = parseIpv4(traffic.srcIp);
    this.dstIp = parseIpv4(traffic.dstIp);
    const domain = traffic.domain === undefined ? null : canonicalizeDomain(traffic.domain);
    this.domain = typeof domain === 'string' ? domain : null;
    const url = traffic.url === undefined ? null : canonicalizeUrl(traffic.url);
    this.url = url === null || 'ok' in url ? null : url;
    this.expressions = this.url === null ? [] : safeBrowsingExpressions(this.url);
  }
}

/** Rule 5, one exclusion against matches on one field. */
function covers(exclusion: ExclusionEntry, field: MatchField, view: TrafficView): boolean {
  const address = field === 'srcIp' ? view.srcIp : view.dstIp;
  switch (exclusion.type) {
    case 'HOST':
      return view.traffic.endpoint?.host?.toLowerCase() === exclusion.value;
    case 'IP':
      return address !== null && parseIpv4(exclusion.value) === address;
    case 'NETWORK':
      return address !== null && networkContains(exclusion.value, address);
    case 'DOMAIN': {
      const name = field === 'domain' ? view.domain : field === 'url' ? (view.url?.host ?? null) : null;
      return name !== null && (name === exclusion.value || name.endsWith(`.${exclusion.value}`));
    }
    case 'URL':
      return field === 'url' && view.expressions.includes(exclusion.value);
  }
}

/** HOST, IP/NETWORK, DOMAIN, URL; then the most specific; then by value. */
function exclusionOrder(a: ExclusionEntry, b: ExclusionEntry): number {
  const rank = { HOST: 0, IP: 1, NETWORK: 1, DOMAIN: 2, URL: 3 };
  const specificity = (e: ExclusionEntry): number =>
    e.type === 'IP' ? 33 : e.type === 'NETWORK' ? prefixOf(e.value) : e.type === 'HOST' ? 0 : e.value.length;
  return (
    rank[a.type] - rank[b.type] ||
    specificity(b) - specificity(a) ||
    (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)
  );
}

/** The name and each parent suffix at a label boundary, longest first. */
function suffixesOf(name: string): string[] {
  const labels = name.split('.');
  return labels.map((_, i) => labels.slice(i).join('.'));
}

/** "URLs and Hashing": host suffixes x path prefixes, in the document's order, without duplicates. */
export function safeBrowsingExpressions(url: CanonicalUrl): string[] {
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

function prefixOf(network: string): number {
  return Number(network.split('/')[1]);
}

function networkContains(network: string, address: number): boolean {
  const [base, bits] = network.split('/');
  const prefix = Number(bits);
  const start = parseIpv4(base ?? '') ?? -1;
  const size = 2 ** (32 - prefix);
  return address >= start && address < start + size;
}
