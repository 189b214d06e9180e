import { AddressIndex, FILTER_WORDS } from './address-index';
import { AuditTable } from './audit-table';
import { BinaryReader, BinaryWriter } from './binary';
import { BlockTable } from './block-table';
import { Bloom } from './bloom';
import { BucketTable } from './bucket-table';
import { CidrTable } from './cidr-table';
import { DomainIndex } from './domain-index';
import { MatcherFormatError } from './errors';
import { ExclusionIndex } from './exclusion-index';
import { domainHashOfBytes, urlHashOfBytes } from './hash';
import { IocTables } from './ioc-tables';
import { StateChecksum } from './state-checksum';
import { type BytesHasher, StringTable } from './string-table';
import { U32Table } from './u32-table';
import { UrlIndex } from './url-index';

/** Bump on any change to what writeMatcher writes; the golden-file test holds this to the bytes. */
export const FORMAT_VERSION = 9;

/** The whole state in the section order of README.md, "Binary format". */
export function writeMatcher(iocs: IocTables, exclusions: ExclusionIndex): Uint8Array {
  const out = new BinaryWriter(FORMAT_VERSION);
  out.int32s([...iocs.mdrSum.halves(), ...iocs.xopsSum.halves(), ...exclusions.sum.halves()]);
  const audits = iocs.audits.parts();
  out.strings(audits.ids);
  out.int32s(audits.refs);
  writeAddressIndex(out, iocs.ips);
  writeStringTable(out, iocs.domains.table);
  writeUrlIndex(out, iocs.urls);
  writeU32Table(out, exclusions.ips);
  writeCidrTable(out, exclusions.networks);
  writeU32Table(out, exclusions.hostNetworks);
  writeStringTable(out, exclusions.domains.table);
  writeUrlIndex(out, exclusions.urls);
  writeStringTable(out, exclusions.hosts);
  return out.finish();
}

export function readMatcher(
  bytes: Uint8Array,
  adopt: boolean,
): { iocs: IocTables; exclusions: ExclusionIndex } {
  const input = new BinaryReader(bytes, FORMAT_VERSION, adopt);
  const sums = input.int32s();
  if (sums.length !== 6) throw new MatcherFormatError('CORRUPT', 'the checksum section is not 6 words');
  const ids = input.strings();
  const refs = Array.from(input.int32s());
  if (refs.length !== ids.length)
    throw new MatcherFormatError('CORRUPT', 'audit IDs and their counts differ');
  const iocs = new IocTables(
    readAddressIndex(input),
    new DomainIndex(readStringTable(input, domainHashOfBytes)),
    readUrlIndex(input),
    AuditTable.fromParts(ids, refs),
    StateChecksum.fromHalves(sums[0]!, sums[1]!),
    StateChecksum.fromHalves(sums[2]!, sums[3]!),
  );
  const exclusions = new ExclusionIndex(
    readU32Table(input),
    readCidrTable(input),
    readU32Table(input),
    new DomainIndex(readStringTable(input, domainHashOfBytes)),
    readUrlIndex(input),
    readStringTable(input, domainHashOfBytes),
    StateChecksum.fromHalves(sums[4]!, sums[5]!),
  );
  input.end();
  return { iocs, exclusions };
}

function writeU32Table(out: BinaryWriter, table: U32Table | BucketTable): void {
  out.int32s([table.size, table.hasEmptyKey ? 1 : 0]);
  out.int32s(table.keys);
  out.int32s(table.values);
}

function readU32Table(input: BinaryReader): U32Table {
  const { keys, values, size, hasEmptyKey } = readKeysAndValues(input, 1);
  return U32Table.fromParts(keys, values, size, hasEmptyKey);
}

/** The exact addresses: the same sections as a U32Table, at least four 4-slot buckets. */
function readBucketTable(input: BinaryReader): BucketTable {
  const { keys, values, size, hasEmptyKey } = readKeysAndValues(input, 16);
  return BucketTable.fromParts(keys, values, size, hasEmptyKey);
}

function readKeysAndValues(
  input: BinaryReader,
  minCapacity: number,
): { keys: Int32Array; values: Int32Array; size: number; hasEmptyKey: boolean } {
  const [size, hasEmptyKey] = scalars(input, 2) as [number, number];
  const keys = input.int32s();
  const values = input.int32s();
  const capacity = keys.length - 1;
  if (
    capacity < minCapacity ||
    (capacity & (capacity - 1)) !== 0 ||
    values.length !== keys.length * 2 ||
    size > keys.length
  ) {
    throw new MatcherFormatError(
      'CORRUPT',
      `an address table has ${keys.length} keys and ${values.length} values`,
    );
  }
  return { keys, values, size, hasEmptyKey: hasEmptyKey === 1 };
}

function writeAddressIndex(out: BinaryWriter, index: AddressIndex): void {
  writeU32Table(out, index.exact);
  writeCidrTable(out, index.networks);
  out.int32s([index.staleFilterBits]);
  out.int32s(index.filter);
  out.bytes(index.ownShortNetworks);
  out.int32s([index.midBlocks.size]);
  out.int32s(index.midBlocks.words);
  out.int32s([index.blocks.size]);
  out.int32s(index.blocks.words);
  writeU32Table(out, index.subNetworks);
}

function readAddressIndex(input: BinaryReader): AddressIndex {
  const exact = readBucketTable(input);
  const networks = readCidrTable(input);
  const [staleFilterBits] = scalars(input, 1) as [number];
  const filter = input.int32s();
  const shortNetworks = input.bytes();
  const [midCount] = scalars(input, 1) as [number];
  const midWords = input.int32s();
  const [blockCount] = scalars(input, 1) as [number];
  const words = input.int32s();
  const subNetworks = readU32Table(input);
  if (filter.length !== 0 && filter.length !== FILTER_WORDS) {
    throw new MatcherFormatError('CORRUPT', `the address filter has ${filter.length} words`);
  }
  if (shortNetworks.length !== 0 && shortNetworks.length !== 65536) {
    throw new MatcherFormatError('CORRUPT', `the /16 network directory has ${shortNetworks.length} bytes`);
  }
  const midBlocks = BlockTable.fromParts(midWords, midCount);
  if (midBlocks === null || midCount > midWords.length) {
    throw new MatcherFormatError('CORRUPT', `the /20 block table has ${midWords.length} words`);
  }
  const blocks = BlockTable.fromParts(words, blockCount);
  if (blocks === null || blockCount > words.length) {
    throw new MatcherFormatError('CORRUPT', `the /24 block table has ${words.length} words`);
  }
  return new AddressIndex(exact, networks, {
    filter,
    staleFilterBits,
    shortNetworks,
    midBlocks,
    blocks,
    subNetworks,
  });
}

function writeCidrTable(out: BinaryWriter, table: CidrTable): void {
  writeU32Table(out, table.table);
  writeU32Table(out, table.countsByBlock);
}

/** The block index is derived, and rebuilt here rather than stored. */
function readCidrTable(input: BinaryReader): CidrTable {
  return new CidrTable(readU32Table(input), readU32Table(input));
}

function writeUrlIndex(out: BinaryWriter, index: UrlIndex): void {
  writeStringTable(out, index.table);
  out.int32s([index.hostBloom.sizedFor]);
  out.int32s(index.hostBloom.words);
}

function readUrlIndex(input: BinaryReader): UrlIndex {
  const table = readStringTable(input, urlHashOfBytes);
  const [sizedFor] = scalars(input, 1) as [number];
  const words = input.int32s();
  if (words.length === 0) throw new MatcherFormatError('CORRUPT', 'the URL host filter is empty');
  return new UrlIndex(table, new Bloom(words, sizedFor));
}

function writeStringTable(out: BinaryWriter, table: StringTable): void {
  out.int32s([table.size, table.garbage, table.bloom.sizedFor]);
  out.bytes(table.fingerprints);
  out.int32s(table.slots);
  out.int32s(table.usedWords());
  out.int32s(table.bloom.words);
}

function readStringTable(input: BinaryReader, hashBytes: BytesHasher): StringTable {
  const [size, garbage, bloomSizedFor] = scalars(input, 3) as [number, number, number];
  const fingerprints = input.bytes();
  const slots = input.int32s();
  const words = input.int32s();
  const bloomWords = input.int32s();
  if (
    slots.length < 1 ||
    fingerprints.length !== slots.length ||
    size > slots.length ||
    bloomWords.length === 0
  ) {
    throw new MatcherFormatError('CORRUPT', `a string table has ${slots.length} slots for ${size} keys`);
  }
  // The checksum vouches for the bytes; this only guards the one invariant a probe loop relies on to stop.
  if (fingerprints.indexOf(0) < 0)
    throw new MatcherFormatError('CORRUPT', 'a string table has no empty slot');
  const bloom = new Bloom(bloomWords, bloomSizedFor);
  return StringTable.fromParts(hashBytes, { fingerprints, slots, words, size, garbage, bloom });
}

function scalars(input: BinaryReader, count: number): number[] {
  const values = input.int32s();
  if (values.length !== count)
    throw new MatcherFormatError('CORRUPT', `expected ${count} scalars, got ${values.length}`);
  return Array.from(values);
}
