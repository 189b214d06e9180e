import { StateChecksum } from '@threatline/matcher';
import { describe, expect, it } from 'vitest';
import { EntryHasher } from './entry-hasher';
import { checksumItem, streamShape, type StreamEntry } from './stream-entry';
import { excl, ioc, makeStreamIds, settings } from './streams.test-support';

/** The sum of `entries` as `checksumItem` texts, and as EntryHasher hashes them. */
function sums(stream: string, entries: StreamEntry[]): [string, string] {
  const shape = streamShape(stream)!;
  const byText = new StateChecksum();
  const byHasher = new StateChecksum();
  const hasher = new EntryHasher(shape);
  for (const entry of entries) {
    byText.add(checksumItem(shape, entry));
    hasher.add(byHasher, entry);
  }
  return [byText.toHex(), byHasher.toHex()];
}

describe('EntryHasher', () => {
  const ids = makeStreamIds();

  it('sums indicators as their checksum items do, whatever the audit IDs and dry-run flags in a row', () => {
    const entries = [
      ioc('ipv4', '203.0.113.9'),
      ioc('domain', 'evil.example', 'MDR-20261123-AAAAAAAA', true),
      ioc('domain', 'evil2.example', 'MDR-20261123-AAAAAAAA', true),
      ioc('url', 'evil.example/a?b=c', 'MDR-20261124-BBBBBBBB'),
      ioc('cidr', '10.0.0.0/8', 'MDR-20261123-AAAAAAAA'),
      // Not normalized, but hashed all the same: UTF-8, a pair and a lone surrogate.
      ioc('domain', 'bücher.example\u{1F600}\uD800', 'MDR-ü'),
    ];
    for (const stream of [ids.tenant, ids.group, ids.xops]) {
      const [byText, byHasher] = sums(stream, entries);
      expect(byHasher).toBe(byText);
    }
    expect(sums(ids.tenant, entries)[1]).not.toBe(sums(ids.xops, entries)[1]);
  });

  it('sums exclusions and settings as their checksum items do', () => {
    const exclusions = [excl({ type: 'HOST', value: 'pc-1' }), excl({ type: 'DOMAIN', value: 'ok.example' })];
    expect(sums(ids.exclusions, exclusions)[1]).toBe(sums(ids.exclusions, exclusions)[0]);
    expect(sums(ids.settings, [settings()])[1]).toBe(sums(ids.settings, [settings()])[0]);
  });

  it('takes back what it added', () => {
    const shape = streamShape(ids.tenant)!;
    const hasher = new EntryHasher(shape);
    const sum = new StateChecksum();
    const kept = ioc('domain', 'kept.example');
    const gone = ioc('domain', 'gone.example', 'MDR-20261124-BBBBBBBB', true);
    hasher.add(sum, kept);
    hasher.add(sum, gone);
    hasher.remove(sum, gone);
    expect(sum.toHex()).toBe(sums(ids.tenant, [kept])[0]);
  });
});
