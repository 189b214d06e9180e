import { formatIpv4 } from '@threatline/ioc';
import { CidrTable, keyNetwork, keyPrefix } from './cidr-table';
import { DomainIndex } from './domain-index';
import { MatcherInputError } from './errors';
import { domainHashOfBytes, domainHashOfString } from './hash';
import { HitBuffer, HitKind } from './hit-buffer';
import { StateChecksum, exclusionChecksumItem } from './state-checksum';
import { StringTable } from './string-table';
import type { ExclusionEntry, ExclusionType } from './types';
import { U32Table } from './u32-table';
import { UrlIndex } from './url-index';
import { domainValue, formatNetwork, hostValue, ipv4Value, networkValue, urlValue } from './values';

/** Presence marker in value0 of the exclusion tables. */
const PRESENT = 1;

/**
 * The exclusions, in the same structures as the indicators, and the coverage queries the decision needs: for a
 * traffic field, the most specific exclusion that covers it (see `exclusionOrder`).
 */
export class ExclusionIndex {
  private readonly scratch = new HitBuffer();

  constructor(
    readonly ips: U32Table,
    readonly networks: CidrTable,
    /** NETWORK exclusions of prefix 32, kept apart from IP ones: a different identity. */
    readonly hostNetworks: U32Table,
    readonly domains: DomainIndex,
    readonly urls: UrlIndex,
    readonly hosts: StringTable,
    readonly sum: StateChecksum,
  ) {}

  static empty(): ExclusionIndex {
    return new ExclusionIndex(
      new U32Table(),
      new CidrTable(),
      new U32Table(),
      DomainIndex.empty(),
      UrlIndex.empty(),
      new StringTable(domainHashOfBytes),
      new StateChecksum(),
    );
  }

  get size(): number {
    return (
      this.ips.size +
      this.networks.size +
      this.hostNetworks.size +
      this.domains.table.size +
      this.urls.table.size +
      this.hosts.size
    );
  }

  /** Throws MatcherInputError unless the value is normalized for its type. */
  static validate(exclusion: ExclusionEntry): void {
    validateValue(exclusion.type, exclusion.value);
  }

  add(exclusion: ExclusionEntry): void {
    validateValue(exclusion.type, exclusion.value);
    const { type, value } = exclusion;
    let slot: number;
    let table: U32Table | StringTable;
    switch (type) {
      case 'IP':
        table = this.ips;
        slot = this.ips.insert(ipv4Value(value));
        break;
      case 'NETWORK': {
        const { network, prefix } = networkValue(value, 32);
        table = prefix === 32 ? this.hostNetworks : this.networks.table;
        slot = prefix === 32 ? this.hostNetworks.insert(network) : this.networks.insert(network, prefix);
        break;
      }
      case 'DOMAIN':
        table = this.domains.table;
        slot = this.domains.insert(value);
        break;
      case 'URL':
        table = this.urls.table;
        slot = this.urls.insert(value);
        break;
      case 'HOST':
        table = this.hosts;
        slot = this.hosts.insert(domainHashOfString(value, 0, value.length), value);
        break;
    }
    if (table.value0(slot) === PRESENT) return;
    table.setValues(slot, PRESENT, 0);
    this.sum.add(exclusionChecksumItem(exclusion));
  }

  remove(exclusion: ExclusionEntry): boolean {
    validateValue(exclusion.type, exclusion.value);
    const { type, value } = exclusion;
    let slot: number;
    switch (type) {
      case 'IP':
        slot = this.ips.find(ipv4Value(value));
        if (slot >= 0) this.ips.removeAt(slot);
        break;
      case 'NETWORK': {
        const { network, prefix } = networkValue(value, 32);
        if (prefix === 32) {
          slot = this.hostNetworks.find(network);
          if (slot >= 0) this.hostNetworks.removeAt(slot);
        } else {
          slot = this.networks.find(network, prefix);
          if (slot >= 0) this.networks.removeAt(slot);
        }
        break;
      }
      case 'DOMAIN':
        slot = this.domains.find(value);
        if (slot >= 0) this.domains.table.removeAt(slot);
        break;
      case 'URL':
        slot = this.urls.find(value);
        if (slot >= 0) this.urls.removeAt(slot);
        break;
      case 'HOST':
        slot = this.hosts.find(domainHashOfString(value, 0, value.length), value, 0, value.length);
        if (slot >= 0) this.hosts.removeAt(slot);
        break;
    }
    if (slot < 0) return false;
    this.sum.remove(exclusionChecksumItem(exclusion));
    return true;
  }

  entries(): ExclusionEntry[] {
    const out: ExclusionEntry[] = [];
    this.ips.forEachSlot((slot) => out.push({ type: 'IP', value: formatIpv4(this.ips.keyAt(slot) >>> 0) }));
    this.networks.table.forEachSlot((slot) => out.push({ type: 'NETWORK', value: this.networkText(slot) }));
    this.hostNetworks.forEachSlot((slot) =>
      out.push({ type: 'NETWORK', value: `${formatIpv4(this.hostNetworks.keyAt(slot) >>> 0)}/32` }),
    );
    this.domains.table.forEachSlot((slot) =>
      out.push({ type: 'DOMAIN', value: this.domains.table.keyAt(slot) }),
    );
    this.urls.table.forEachSlot((slot) => out.push({ type: 'URL', value: this.urls.table.keyAt(slot) }));
    this.hosts.forEachSlot((slot) => out.push({ type: 'HOST', value: this.hosts.keyAt(slot) }));
    return out;
  }

  /** The HOST exclusion equal to the endpoint's hostname (compared in lowercase), or null. */
  coveringHost(host: string | undefined): ExclusionEntry | null {
    if (host === undefined || this.hosts.size === 0) return null;
    const lower = host.toLowerCase();
    const slot = this.hosts.find(domainHashOfString(lower, 0, lower.length), lower, 0, lower.length);
    return slot < 0 ? null : { type: 'HOST', value: lower };
  }

  /** The most specific IP or NETWORK exclusion containing `address` (an IP before a /32 NETWORK), or null. */
  coveringAddress(address: number | null): ExclusionEntry | null {
    if (address === null) return null;
    if (this.ips.find(address) >= 0) return { type: 'IP', value: formatIpv4(address >>> 0) };
    if (this.hostNetworks.find(address) >= 0)
      return { type: 'NETWORK', value: `${formatIpv4(address >>> 0)}/32` };
    const hits = this.scratch;
    hits.count = 0;
    if (this.networks.collect(address, hits, HitKind.DstNetwork) === 0) return null;
    return { type: 'NETWORK', value: this.networkText(hits.slots[0]!) };
  }

  /** The longest DOMAIN exclusion equal to text[start, end) or to one of its label suffixes, or null. */
  coveringDomain(text: string, start: number, end: number): ExclusionEntry | null {
    if (this.domains.table.size === 0) return null;
    const slot = this.domains.longestMatch(text, start, end, this.scratch, HitKind.Domain);
    return slot < 0 ? null : { type: 'DOMAIN', value: this.domains.table.keyAt(slot) };
  }

  /** The first, in exclusion order, URL exclusion equal to one of the URL's expressions, or null. */
  coveringUrl(
    text: string,
    hostStart: number,
    hostEnd: number,
    pathStart: number,
    end: number,
    hostIsIpv4: boolean,
  ): ExclusionEntry | null {
    if (this.urls.table.size === 0) return null;
    const hits = this.scratch;
    hits.count = 0;
    this.urls.lookup(text, hostStart, hostEnd, pathStart, end, hostIsIpv4, hits, HitKind.Url);
    let best: ExclusionEntry | null = null;
    for (let i = 0; i < hits.count; i++) {
      const candidate: ExclusionEntry = { type: 'URL', value: this.urls.table.keyAt(hits.slots[i]!) };
      if (best === null || compareExclusions(candidate, best) < 0) best = candidate;
    }
    return best;
  }

  byteLength(): number {
    return (
      this.ips.byteLength() +
      this.networks.byteLength() +
      this.hostNetworks.byteLength() +
      this.domains.table.byteLength() +
      this.urls.table.byteLength() +
      this.hosts.byteLength()
    );
  }

  private networkText(slot: number): string {
    const key = this.networks.table.keyAt(slot);
    return formatNetwork(keyNetwork(key), keyPrefix(key));
  }
}

function validateValue(type: ExclusionType, value: string): void {
  if (typeof value !== 'string')
    throw new MatcherInputError(`exclusion value ${JSON.stringify(value)} is not a string`);
  switch (type) {
    case 'IP':
      ipv4Value(value);
      return;
    case 'NETWORK':
      networkValue(value, 32);
      return;
    case 'DOMAIN':
      domainValue(value);
      return;
    case 'URL':
      urlValue(value);
      return;
    case 'HOST':
      hostValue(value);
      return;
    default:
      throw new MatcherInputError(`unknown exclusion type ${JSON.stringify(type)}`);
  }
}

const GROUP_RANK: Record<ExclusionType, number> = { HOST: 0, IP: 1, NETWORK: 1, DOMAIN: 2, URL: 3 };

/** How specific an exclusion is inside its group: an IP above any network, a longer prefix or name above a
 *  shorter one. */
function specificity(exclusion: ExclusionEntry): number {
  switch (exclusion.type) {
    case 'HOST':
      return 0;
    case 'IP':
      return 33;
    case 'NETWORK':
      return Number(exclusion.value.slice(exclusion.value.indexOf('/') + 1));
    case 'DOMAIN':
    case 'URL':
      return exclusion.value.length;
  }
}

/**
 * The total order that picks `excludedBy`: rule order (HOST, IP/NETWORK, DOMAIN, URL), then the most specific,
 * then the value's code units.
 */
export function compareExclusions(a: ExclusionEntry, b: ExclusionEntry): number {
  const rank = GROUP_RANK[a.type] - GROUP_RANK[b.type];
  if (rank !== 0) return rank;
  const specific = specificity(b) - specificity(a);
  if (specific !== 0) return specific;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}
