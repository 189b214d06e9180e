import fc from 'fast-check';
import { StateChecksum, exclusionChecksumItem, iocChecksumItem } from '@threatline/matcher';
import { describe, expect, it } from 'vitest';
import { entriesArbFor, streamIdArb } from './arbitraries.test-support';
import { EMPTY_CHECKSUM, checksumItemOf, stateChecksumOf } from './checksum';
import { exclusionEntry, indicatorEntry, settingsEntry } from './entries';
import { XOPS_STREAM_ID, exclusionStreamId, mdrGroupStreamId, settingsStreamId } from './stream-ids';

const ID = '44444444-4444-4444-8444-444444444444';

describe('stream checksums', () => {
  it('checksums indicators as the matcher does, with the source the stream implies', () => {
    const entry = indicatorEntry({
      type: 'url',
      value: 'evil.example/dl/',
      auditId: 'MDR-20261123-K7F3Q9XA',
      dryRun: true,
    });
    const fields = { type: entry.type, value: entry.value, auditId: entry.auditId, dryRun: entry.dryRun };
    expect(checksumItemOf(mdrGroupStreamId(ID), entry)).toBe(iocChecksumItem({ ...fields, source: 'MDR' }));
    expect(checksumItemOf(XOPS_STREAM_ID, entry)).toBe('XOPS|url|evil.example/dl/|MDR-20261123-K7F3Q9XA|1');
  });

  it('checksums exclusions as the matcher does, and settings as canonical JSON', () => {
    const exclusion = exclusionEntry({ type: 'NETWORK', value: '10.0.0.0/8' });
    expect(checksumItemOf(exclusionStreamId(ID), exclusion)).toBe(exclusionChecksumItem(exclusion));
    const settings = settingsEntry({
      centralReporting: false,
      localReporting: true,
      xops: { action: 'LOG_ONLY', enabled: false },
      mdr: { action: 'LOG_AND_DROP', enabled: true },
    });
    expect(checksumItemOf(settingsStreamId(ID), settings)).toBe(
      '{"mdr":{"enabled":true,"action":"LOG_AND_DROP"},"xops":{"enabled":false,"action":"LOG_ONLY"},' +
        '"localReporting":true,"centralReporting":false}',
    );
  });

  it('refuses an entry of another kind of stream', () => {
    const exclusion = exclusionEntry({ type: 'IP', value: '10.0.0.1' });
    expect(() => checksumItemOf(XOPS_STREAM_ID, exclusion)).toThrow(RangeError);
    expect(() => checksumItemOf(settingsStreamId(ID), exclusion)).toThrow(RangeError);
    expect(() => checksumItemOf('bad', exclusion)).toThrow(RangeError);
  });

  it('does not depend on order, and equals adding and removing entry by entry', () => {
    fc.assert(
      fc.property(
        streamIdArb.chain((stream) =>
          fc.tuple(fc.constant(stream), entriesArbFor(stream, 12), entriesArbFor(stream, 4)),
        ),
        ([stream, entries, extra]) => {
          const whole = stateChecksumOf(stream, entries);
          expect(stateChecksumOf(stream, [...entries].reverse())).toBe(whole);
          const incremental = new StateChecksum();
          for (const entry of [...extra, ...entries]) incremental.add(checksumItemOf(stream, entry));
          for (const entry of extra) incremental.remove(checksumItemOf(stream, entry));
          expect(incremental.toHex()).toBe(whole);
        },
      ),
    );
    expect(stateChecksumOf(XOPS_STREAM_ID, [])).toBe(EMPTY_CHECKSUM);
  });
});
