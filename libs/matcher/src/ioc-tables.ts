import { formatIpv4, parseIpv4 } from '@threatline/ioc';
import { AddressIndex } from './address-index';
import { AuditTable } from './audit-table';
import type { BucketTable } from './bucket-table';
import { CidrTable, keyNetwork, keyPrefix } from './cidr-table';
import { DomainIndex } from './domain-index';
import { MatcherInputError } from './errors';
import { ABSENT, metaAuditIndex, metaDryRun, packMeta } from './meta';
import { Fnv1a64, StateChecksum } from './state-checksum';
import { IocTableSizes } from './table-sizes';
import type { IocEntry, IocSource, IocType } from './types';
import { UrlIndex } from './url-index';
import { domainValue, formatNetwork, ipv4Value, networkValue, parseNetwork, urlValue } from './values';

const TYPE_INDEX: Record<IocType, number> = { ipv4: 0, cidr: 1, domain: 2, url: 3 };

/** Where an entry lives: its table and its slot there. */
interface Located {
  type: IocType;
  slot: number;
}

/**
 * The indicators of both sources. Each key (address, network, domain, URL) is stored once, with one meta word per
 * source (value0 = MDR, value1 = X-Ops; see meta.ts); a key whose two metas are both absent is removed. The
 * per-source state checksums follow every change.
 */
export class IocTables {
  private readonly hasher = new Fnv1a64();
  private readonly prefixHashes: Fnv1a64[] = [];

  constructor(
    readonly ips: AddressIndex,
    readonly domains: DomainIndex,
    readonly urls: UrlIndex,
    readonly audits: AuditTable,
    readonly mdrSum: StateChecksum,
    readonly xopsSum: StateChecksum,
  ) {}

  static empty(): IocTables {
    return new IocTables(
      AddressIndex.empty(),
      DomainIndex.empty(),
      UrlIndex.empty(),
      new AuditTable(),
      new StateChecksum(),
      new StateChecksum(),
    );
  }

  /** Tables sized for `entries`, so a build never grows them. */
  static sizedFor(entries: readonly IocEntry[]): IocTables {
    const sizes = new IocTableSizes();
    // Indexed loops here and in Matcher.build: a for-of over a million entries allocates an iterator result per
    // entry until the loop is optimized.
    for (let i = 0; i < entries.length; i++) sizes.count(entries[i]!.type, entries[i]!.value);
    return IocTables.sized(sizes);
  }

  /** Empty tables of the sizes counted (see IocTableSizes). */
  static sized(sizes: IocTableSizes): IocTables {
    return new IocTables(
      sizes.addressIndex(),
      sizes.domainIndex(),
      sizes.urlIndex(),
      new AuditTable(),
      new StateChecksum(),
      new StateChecksum(),
    );
  }

  /** Lays large domain and URL arenas out in slot order (see StringTable.packRecords): the end of every build. */
  packRecords(): void {
    this.domains.table.packRecordsIfLarge();
    this.urls.table.packRecordsIfLarge();
  }

  get addresses(): BucketTable {
    return this.ips.exact;
  }

  get networks(): CidrTable {
    return this.ips.networks;
  }

  get size(): number {
    return this.addresses.size + this.networks.size + this.domains.table.size + this.urls.table.size;
  }

  /** Throws MatcherInputError unless the entry's value is normalized for its type. */
  static validate(entry: IocEntry): void {
    checkShape(entry);
    keyOf(entry.type, entry.value);
  }

  /** Adds the entry, or replaces the one with the same (source, value); returns whether it replaced one. */
  add(entry: IocEntry): boolean {
    checkShape(entry);
    const key = keyOf(entry.type, entry.value);
    let replaced = false;
    // A value like "1.2.3.0/24" can be a network or a URL: one identity, so the other one goes.
    if (entry.type === 'cidr' || entry.type === 'url') {
      const other = this.locate(entry.type === 'cidr' ? 'url' : 'cidr', entry.value);
      if (other !== null) replaced = this.removeSource(other, entry.source, entry.value);
    }
    const slot = this.insertKey(entry.type, key, entry.value);
    const old = this.meta(entry.type, slot, entry.source);
    const auditIndex = this.audits.acquire(entry.auditId);
    if (old !== ABSENT) {
      this.sum(entry.source).removeHash(this.metaItemHash(entry.source, entry.type, entry.value, old));
      this.audits.release(metaAuditIndex(old));
      replaced = true;
    }
    this.setMeta(entry.type, slot, entry.source, packMeta(auditIndex, entry.dryRun));
    this.sum(entry.source).addHash(
      this.itemHash(entry.source, entry.type, entry.value, auditIndex, entry.dryRun),
    );
    return replaced;
  }

  /** Removes the entry (source, value) if present; returns whether it was. */
  remove(source: IocSource, value: string): boolean {
    for (const type of candidateTypes(value)) {
      const located = this.locate(type, value);
      if (located !== null && this.removeSource(located, source, value)) return true;
    }
    return false;
  }

  /** Every entry, in table order. */
  entries(): IocEntry[] {
    const out: IocEntry[] = [];
    const collect = (type: IocType, slot: number, value: string): void => {
      for (const source of ['MDR', 'XOPS'] as const) {
        const meta = this.meta(type, slot, source);
        if (meta === ABSENT) continue;
        out.push({
          value,
          type,
          source,
          auditId: this.audits.get(metaAuditIndex(meta)),
          dryRun: metaDryRun(meta),
        });
      }
    };
    this.addresses.forEachSlot((slot) => collect('ipv4', slot, formatIpv4(this.addresses.keyAt(slot) >>> 0)));
    this.networks.table.forEachSlot((slot) => collect('cidr', slot, this.networkText(slot)));
    this.domains.table.forEachSlot((slot) => collect('domain', slot, this.domains.table.keyAt(slot)));
    this.urls.table.forEachSlot((slot) => collect('url', slot, this.urls.table.keyAt(slot)));
    return out;
  }

  networkText(slot: number): string {
    const key = this.networks.table.keyAt(slot);
    return formatNetwork(keyNetwork(key), keyPrefix(key));
  }

  byteLength(): number {
    return this.ips.byteLength() + this.domains.table.byteLength() + this.urls.table.byteLength();
  }

  private sum(source: IocSource): StateChecksum {
    return source === 'MDR' ? this.mdrSum : this.xopsSum;
  }

  /** The FNV-1a 64 of iocChecksumItem's text, hashed from its parts: the `source|type|` prefix state and the
   *  `|auditId|dryRun` suffix text are cached, so an entry costs one pass over its value. */
  private itemHash(
    source: IocSource,
    type: IocType,
    value: string,
    auditIndex: number,
    dryRun: boolean,
  ): Fnv1a64 {
    const which = (source === 'MDR' ? 0 : 4) + TYPE_INDEX[type];
    let prefix = this.prefixHashes[which];
    if (prefix === undefined) {
      prefix = new Fnv1a64().update(`${source}|${type}|`);
      this.prefixHashes[which] = prefix;
    }
    return this.hasher.copyFrom(prefix).update(value).update(this.audits.checksumSuffix(auditIndex, dryRun));
  }

  private metaItemHash(source: IocSource, type: IocType, value: string, meta: number): Fnv1a64 {
    return this.itemHash(source, type, value, metaAuditIndex(meta), metaDryRun(meta));
  }

  private removeSource(located: Located, source: IocSource, value: string): boolean {
    const meta = this.meta(located.type, located.slot, source);
    if (meta === ABSENT) return false;
    this.sum(source).removeHash(this.metaItemHash(source, located.type, value, meta));
    this.audits.release(metaAuditIndex(meta));
    this.setMeta(located.type, located.slot, source, ABSENT);
    const otherMeta = this.meta(located.type, located.slot, source === 'MDR' ? 'XOPS' : 'MDR');
    if (otherMeta === ABSENT) this.removeSlot(located);
    return true;
  }

  private locate(type: IocType, value: string): Located | null {
    let slot = -1;
    switch (type) {
      case 'ipv4': {
        const address = parseIpv4(value);
        if (address !== null) slot = this.addresses.find(address);
        break;
      }
      case 'cidr': {
        const network = parseNetwork(value, 31);
        if (network !== null) slot = this.networks.find(network.network, network.prefix);
        break;
      }
      case 'domain':
        slot = this.domains.find(value);
        break;
      case 'url':
        slot = this.urls.find(value);
        break;
    }
    return slot < 0 ? null : { type, slot };
  }

  private insertKey(
    type: IocType,
    key: number | { network: number; prefix: number } | string,
    value: string,
  ): number {
    switch (type) {
      case 'ipv4':
        return this.ips.insertAddress(key as number);
      case 'cidr': {
        const network = key as { network: number; prefix: number };
        return this.ips.insertNetwork(network.network, network.prefix);
      }
      case 'domain':
        return this.domains.insert(value);
      case 'url':
        return this.urls.insert(value);
    }
  }

  private removeSlot(located: Located): void {
    switch (located.type) {
      case 'ipv4':
        return this.ips.removeAddressAt(located.slot);
      case 'cidr':
        return this.ips.removeNetworkAt(located.slot);
      case 'domain':
        return this.domains.table.removeAt(located.slot);
      case 'url':
        return this.urls.removeAt(located.slot);
    }
  }

  private meta(type: IocType, slot: number, source: IocSource): number {
    const mdr = source === 'MDR';
    switch (type) {
      case 'ipv4':
        return mdr ? this.addresses.value0(slot) : this.addresses.value1(slot);
      case 'cidr':
        return mdr ? this.networks.table.value0(slot) : this.networks.table.value1(slot);
      case 'domain':
        return mdr ? this.domains.table.value0(slot) : this.domains.table.value1(slot);
      case 'url':
        return mdr ? this.urls.table.value0(slot) : this.urls.table.value1(slot);
    }
  }

  private setMeta(type: IocType, slot: number, source: IocSource, meta: number): void {
    const table =
      type === 'ipv4'
        ? this.addresses
        : type === 'cidr'
          ? this.networks.table
          : type === 'domain'
            ? this.domains.table
            : this.urls.table;
    const mdr = source === 'MDR';
    table.setValues(slot, mdr ? meta : table.value0(slot), mdr ? table.value1(slot) : meta);
  }
}

function checkShape(entry: IocEntry): void {
  if (entry.source !== 'MDR' && entry.source !== 'XOPS') {
    throw new MatcherInputError(`unknown source ${JSON.stringify(entry.source)}`);
  }
  if (
    typeof entry.value !== 'string' ||
    typeof entry.auditId !== 'string' ||
    typeof entry.dryRun !== 'boolean'
  ) {
    throw new MatcherInputError(
      `entry ${JSON.stringify(entry.value)} needs a string value and auditId and a boolean dryRun`,
    );
  }
}

/** The key a value has in its type's table; throws MatcherInputError when the value is not normalized. */
function keyOf(type: IocType, value: string): number | { network: number; prefix: number } | string {
  switch (type) {
    case 'ipv4':
      return ipv4Value(value) | 0;
    case 'cidr':
      return networkValue(value, 31);
    case 'domain':
      return domainValue(value);
    case 'url':
      return urlValue(value);
    default:
      throw new MatcherInputError(`unknown indicator type ${JSON.stringify(type)}`);
  }
}

/** The tables a value can be in, judged by its shape. */
function candidateTypes(value: string): IocType[] {
  if (!value.includes('/')) return parseIpv4(value) === null ? ['domain'] : ['ipv4'];
  return parseNetwork(value, 31) === null ? ['url'] : ['cidr', 'url'];
}
