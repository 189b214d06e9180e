import fc from 'fast-check';
import { Fnv1a64 } from '@threatline/matcher';
import {
  checksumItemOf,
  exclusionEntry,
  exclusionStreamId,
  indicatorEntry,
  mdrGroupStreamId,
  mdrTenantStreamId,
  settingsEntry,
  settingsStreamId,
  XOPS_STREAM_ID,
  type StreamEntry,
} from '@threatline/protocol';
import { describe, expect, it } from 'vitest';
import { EntryHasher } from './entry-hasher';

const text = fc.string({ minLength: 1, maxLength: 30, unit: 'grapheme' });
const indicators = fc
  .record({
    type: fc.constantFrom('ipv4' as const, 'cidr' as const, 'domain' as const, 'url' as const),
    value: text,
    auditId: text,
    dryRun: fc.boolean(),
  })
  .map(indicatorEntry);
const exclusions = fc
  .record({
    type: fc.constantFrom(
      'IP' as const,
      'NETWORK' as const,
      'DOMAIN' as const,
      'URL' as const,
      'HOST' as const,
    ),
    value: text,
  })
  .map(exclusionEntry);
const module = fc.record({
  enabled: fc.boolean(),
  action: fc.constantFrom('LOG_ONLY' as const, 'LOG_AND_DROP' as const),
});
const settings = fc
  .record({ mdr: module, xops: module, localReporting: fc.boolean(), centralReporting: fc.boolean() })
  .map(settingsEntry);

/** A stream id of each kind, with entries of its kind. */
const streamWithEntries: fc.Arbitrary<[string, StreamEntry[]]> = fc
  .uuid()
  .chain((owner) =>
    fc.oneof(
      fc.tuple(
        fc.constantFrom(mdrTenantStreamId(owner), mdrGroupStreamId(owner), XOPS_STREAM_ID),
        fc.array(indicators),
      ),
      fc.tuple(fc.constant(exclusionStreamId(owner)), fc.array(exclusions)),
      fc.tuple(fc.constant(settingsStreamId(owner)), fc.array(settings, { maxLength: 1 })),
    ),
  );

describe('EntryHasher', () => {
  it("hashes every entry of every kind of stream as protocol's checksumItemOf does", () => {
    const reference = new Fnv1a64();
    fc.assert(
      fc.property(streamWithEntries, ([streamId, entries]) => {
        const hasher = new EntryHasher(streamId);
        for (const entry of entries) {
          expect(hasher.hash(entry).hex()).toBe(
            reference.reset().update(checksumItemOf(streamId, entry)).hex(),
          );
        }
      }),
    );
  });
});
