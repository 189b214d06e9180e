import { canonicalizeDomain, parseIpv4 } from '@threatline/ioc';
import { decide } from './decide';
import { MatcherInputError } from './errors';
import { ExclusionIndex, compareExclusions } from './exclusion-index';
import { HitBuffer, HitKind } from './hit-buffer';
import { IocTables } from './ioc-tables';
import { readMatcher, writeMatcher } from './serialize';
import { canonicalUrlText } from './traffic-url';
import type {
  Decision,
  ExclusionEntry,
  IocEntry,
  MatchField,
  MatcherChecksums,
  MatcherDelta,
  ModuleSettings,
  Traffic,
} from './types';
import {
  END,
  HOST_END,
  HOST_IS_IPV4,
  HOST_START,
  PATH_START,
  scanCleanPath,
  scanCleanPrefix,
} from './url-scan';

export interface MatcherStats {
  ipv4: number;
  cidr: number;
  domain: number;
  url: number;
  exclusions: number;
  /** Every byte of every table, arena and filter (allocated, not only used). */
  bytes: number;
}

/**
 * The compiled matcher: indicators of both sources and the exclusions in typed-array tables (see README.md).
 * `check` decides on a traffic tuple; `lookupIpv4`, `lookupDomain` and `lookupUrl` are the allocation-free
 * primitives under it. `apply` changes the state in place; `serialize`/`deserialize` move it in one binary blob.
 */
export class Matcher {
  /** The hits of the current lookup or check (reused: the primitives allocate nothing). */
  private readonly hits = new HitBuffer();
  private readonly positions = new Int32Array(5);

  private constructor(
    private readonly iocs: IocTables,
    private readonly exclusionIndex: ExclusionIndex,
  ) {}

  static empty(): Matcher {
    return new Matcher(IocTables.empty(), ExclusionIndex.empty());
  }

  /** A matcher holding `entries` (a later entry with the same (source, value) replaces an earlier one) and
   *  `exclusions`. Throws MatcherInputError on a value that is not normalized. */
  static build(entries: readonly IocEntry[], exclusions: readonly ExclusionEntry[] = []): Matcher {
    const matcher = new Matcher(IocTables.sizedFor(entries), ExclusionIndex.empty());
    for (let i = 0; i < entries.length; i++) matcher.iocs.add(entries[i]!);
    for (let i = 0; i < exclusions.length; i++) matcher.exclusionIndex.add(exclusions[i]!);
    matcher.iocs.packRecords();
    return matcher;
  }

  /** @internal A matcher over tables built elsewhere in this library (the columns build), their records packed
   *  as `build` packs them. */
  static assemble(iocs: IocTables, exclusions: ExclusionIndex): Matcher {
    iocs.packRecords();
    return new Matcher(iocs, exclusions);
  }

  /**
   * Loads what `serialize` wrote. Throws MatcherFormatError on another format version, truncation or a checksum
   * mismatch: the caller then rebuilds from a snapshot. The tables are views over a copy of `bytes`; with
   * `adopt`, over `bytes` itself (no copy), which the matcher then owns and changes as deltas arrive.
   */
  static deserialize(bytes: Uint8Array, options: { adopt?: boolean } = {}): Matcher {
    const { iocs, exclusions } = readMatcher(bytes, options.adopt ?? false);
    return new Matcher(iocs, exclusions);
  }

  serialize(): Uint8Array {
    return writeMatcher(this.iocs, this.exclusionIndex);
  }

  /**
   * Applies a batch of deltas in order, in place. The whole batch is validated first: on a malformed value it
   * throws MatcherInputError and changes nothing. Removing what is not there is not an error.
   */
  apply(batch: readonly MatcherDelta[]): void {
    batch.forEach((delta, index) => {
      try {
        validateDelta(delta);
      } catch (error) {
        if (error instanceof MatcherInputError) {
          throw new MatcherInputError(`delta ${index} (${delta.op}): ${error.message}`);
        }
        throw error;
      }
    });
    for (let i = 0; i < batch.length; i++) {
      const delta = batch[i]!;
      switch (delta.op) {
        case 'add':
          this.iocs.add(delta.entry);
          break;
        case 'remove':
          this.iocs.remove(delta.source, delta.value);
          break;
        case 'addExclusion':
          this.exclusionIndex.add(delta.exclusion);
          break;
        case 'removeExclusion':
          this.exclusionIndex.remove(delta.exclusion);
          break;
      }
    }
  }

  /** The decision on one traffic tuple (README.md, "Semantics"). */
  check(traffic: Traffic, settings: ModuleSettings): Decision {
    const hits = this.hits;
    hits.count = 0;
    if (!settings.mdr.enabled && !settings.xops.enabled) return { action: 'allow', matches: [] };
    const direction = traffic.direction;
    const srcIp = parseIpv4(traffic.srcIp);
    const dstIp = parseIpv4(traffic.dstIp);
    if (direction !== 'inbound' && srcIp !== null)
      this.collectAddress(srcIp, HitKind.SrcExact, HitKind.SrcNetwork);
    let domain: string | null = null;
    let url: string | null = null;
    if (direction !== 'system') {
      if (dstIp !== null) this.collectAddress(dstIp, HitKind.DstExact, HitKind.DstNetwork);
      if (traffic.domain !== undefined) {
        const canonical = canonicalizeDomain(traffic.domain);
        if (typeof canonical === 'string') {
          domain = canonical;
          this.iocs.domains.lookup(domain, 0, domain.length, hits, HitKind.Domain);
        }
      }
      if (traffic.url !== undefined) url = this.collectUrl(traffic.url, domain);
    }
    if (hits.count === 0) return { action: 'allow', matches: [] };
    if (this.exclusionIndex.size === 0) return decide(hits, this.iocs, settings, () => null);
    const covers = new Map<MatchField, ExclusionEntry | null>();
    const coverOf = (field: MatchField): ExclusionEntry | null => {
      if (!covers.has(field)) {
        covers.set(field, this.coverOf(field, traffic, srcIp, dstIp, domain, url, this.positions));
      }
      return covers.get(field) ?? null;
    };
    return decide(hits, this.iocs, settings, coverOf);
  }

  /** How many entries (both sources) match an IPv4 address given as uint32: the address itself and the networks
   *  containing it. */
  lookupIpv4(address: number): number {
    this.hits.count = 0;
    return this.iocs.ips.lookup(address, this.hits, HitKind.DstExact, HitKind.DstNetwork);
  }

  /** How many domain entries equal a canonical name (lowercase ASCII, as canonicalizeDomain returns) or one of
   *  its parent suffixes. */
  lookupDomain(name: string): number {
    this.hits.count = 0;
    return this.iocs.domains.lookup(name, 0, name.length, this.hits, HitKind.Domain);
  }

  /** How many URL entries equal one of the Safe Browsing expressions of a raw traffic URL (canonicalized here; no
   *  allocation when it is already canonical). */
  lookupUrl(url: string): number {
    this.hits.count = 0;
    const p = this.positions;
    const urls = this.iocs.urls;
    if (scanCleanPrefix(url, p)) {
      // The host is final: when no key has any of its suffixes, nothing matches whatever the path is, so the
      // path is neither checked nor canonicalized (most traffic).
      if (urls.passingHosts(url, p[HOST_START]!, p[HOST_END]!, p[HOST_IS_IPV4] === 1) === 0) return 0;
      if (scanCleanPath(url, p)) {
        return urls.probePaths(url, p[HOST_END]!, url, p[PATH_START]!, p[END]!, this.hits, HitKind.Url);
      }
    }
    const text = canonicalUrlText(url, p);
    if (text === null) return 0;
    return urls.lookup(
      text,
      p[HOST_START]!,
      p[HOST_END]!,
      p[PATH_START]!,
      p[END]!,
      p[HOST_IS_IPV4] === 1,
      this.hits,
      HitKind.Url,
    );
  }

  checksums(): MatcherChecksums {
    return {
      mdr: this.iocs.mdrSum.toHex(),
      xops: this.iocs.xopsSum.toHex(),
      exclusions: this.exclusionIndex.sum.toHex(),
    };
  }

  entries(): IocEntry[] {
    return this.iocs.entries();
  }

  exclusions(): ExclusionEntry[] {
    return this.exclusionIndex.entries();
  }

  stats(): MatcherStats {
    return {
      ipv4: this.iocs.addresses.size,
      cidr: this.iocs.networks.size,
      domain: this.iocs.domains.table.size,
      url: this.iocs.urls.table.size,
      exclusions: this.exclusionIndex.size,
      bytes: this.iocs.byteLength() + this.exclusionIndex.byteLength(),
    };
  }

  private collectAddress(address: number, exactKind: HitKind, networkKind: HitKind): void {
    this.iocs.ips.lookup(address, this.hits, exactKind, networkKind);
  }

  /**
   * URL entries on the URL's expressions, then domain entries on its host unless the host is the traffic domain
   * (already checked, reported once as a domain match). Returns the canonical URL text `positions` index (null
   * when the URL cannot be canonicalized: it matches nothing). As in lookupUrl, a URL with a plain host has its
   * path checked or canonicalized only once something may match: a host suffix passes the URL host filter, or a
   * domain entry matched the host (whose hits are dropped again if the whole URL turns out not to canonicalize).
   */
  private collectUrl(raw: string, domain: string | null): string | null {
    const p = this.positions;
    const hits = this.hits;
    const urls = this.iocs.urls;
    if (scanCleanPrefix(raw, p)) {
      const first = hits.count;
      if (urls.passingHosts(raw, p[HOST_START]!, p[HOST_END]!, p[HOST_IS_IPV4] === 1) > 0) {
        if (!scanCleanPath(raw, p)) return this.collectCanonicalUrl(raw, domain);
        urls.probePaths(raw, p[HOST_END]!, raw, p[PATH_START]!, p[END]!, hits, HitKind.Url);
        this.collectHostDomains(raw, domain);
        return raw;
      }
      this.collectHostDomains(raw, domain);
      if (hits.count === first || scanCleanPath(raw, p)) return raw;
      // A host match on a URL whose path needs canonicalizing: it stands only if the whole URL canonicalizes.
      hits.count = first;
    }
    return this.collectCanonicalUrl(raw, domain);
  }

  /** The full canonicalization, then the URL and host-domain entries on it; the canonical text, or null. */
  private collectCanonicalUrl(raw: string, domain: string | null): string | null {
    const text = canonicalUrlText(raw, this.positions);
    if (text === null) return null;
    const p = this.positions;
    this.iocs.urls.lookup(
      text,
      p[HOST_START]!,
      p[HOST_END]!,
      p[PATH_START]!,
      p[END]!,
      p[HOST_IS_IPV4] === 1,
      this.hits,
      HitKind.Url,
    );
    this.collectHostDomains(text, domain);
    return text;
  }

  /** Domain entries on the URL host text[HOST_START, HOST_END), unless it is the traffic domain. */
  private collectHostDomains(text: string, domain: string | null): void {
    const hostStart = this.positions[HOST_START]!;
    const hostEnd = this.positions[HOST_END]!;
    const sameHost =
      domain !== null && domain.length === hostEnd - hostStart && text.startsWith(domain, hostStart);
    if (!sameHost) this.iocs.domains.lookup(text, hostStart, hostEnd, this.hits, HitKind.UrlHostDomain);
  }

  /** The first exclusion (exclusion order) that covers matches on `field` of this traffic, or null. */
  private coverOf(
    field: MatchField,
    traffic: Traffic,
    srcIp: number | null,
    dstIp: number | null,
    domain: string | null,
    url: string | null,
    p: Int32Array,
  ): ExclusionEntry | null {
    const exclusions = this.exclusionIndex;
    const candidates = [exclusions.coveringHost(traffic.endpoint?.host)];
    switch (field) {
      case 'srcIp':
        candidates.push(exclusions.coveringAddress(srcIp));
        break;
      case 'dstIp':
        candidates.push(exclusions.coveringAddress(dstIp));
        break;
      case 'domain':
        candidates.push(exclusions.coveringAddress(dstIp));
        if (domain !== null) candidates.push(exclusions.coveringDomain(domain, 0, domain.length));
        break;
      case 'url':
        candidates.push(exclusions.coveringAddress(dstIp));
        if (url !== null) {
          candidates.push(
            exclusions.coveringDomain(url, p[HOST_START]!, p[HOST_END]!),
            exclusions.coveringUrl(
              url,
              p[HOST_START]!,
              p[HOST_END]!,
              p[PATH_START]!,
              p[END]!,
              p[HOST_IS_IPV4] === 1,
            ),
          );
        }
        break;
    }
    let best: ExclusionEntry | null = null;
    for (const candidate of candidates) {
      if (candidate !== null && (best === null || compareExclusions(candidate, best) < 0)) best = candidate;
    }
    return best;
  }
}

function validateDelta(delta: MatcherDelta): void {
  switch (delta.op) {
    case 'add':
      return IocTables.validate(delta.entry);
    case 'remove':
      if (delta.source !== 'MDR' && delta.source !== 'XOPS') {
        throw new MatcherInputError(`unknown source ${JSON.stringify(delta.source)}`);
      }
      if (typeof delta.value !== 'string') throw new MatcherInputError('the value to remove is not a string');
      return;
    case 'addExclusion':
    case 'removeExclusion':
      return ExclusionIndex.validate(delta.exclusion);
    default:
      throw new MatcherInputError(`unknown delta ${JSON.stringify((delta as { op: unknown }).op)}`);
  }
}
