// The checksum of a stream state, computed the same way by the service (over its stored entries) and by the agent
// (over what it applied): @threatline/matcher's StateChecksum over one item string per entry.

import { StateChecksum, exclusionChecksumItem, iocChecksumItem } from '@threatline/matcher';
import { canonicalSettings, type ExclusionEntry, type IndicatorEntry, type StreamEntry } from './entries';
import { parseStreamId, type StreamId } from './stream-ids';

/** The checksum of an empty stream. */
export const EMPTY_CHECKSUM = '0000000000000000';

/**
 * The checksum item of one entry of `streamId`: indicators as the matcher's iocChecksumItem (source MDR for `mdr:*`,
 * XOPS for `xops`), exclusions as exclusionChecksumItem, settings as the canonical JSON of the settings. Throws a
 * RangeError when the entry does not belong to that kind of stream (parsed messages never do that).
 */
export function checksumItemOf(streamId: StreamId, entry: StreamEntry): string {
  const stream = parseStreamId(streamId);
  if (stream === null) throw new RangeError(`not a stream id: ${JSON.stringify(streamId)}`);
  switch (stream.kind) {
    case 'indicators': {
      if (!('auditId' in entry)) throw new RangeError(`not an indicator entry for ${streamId}`);
      const indicator: IndicatorEntry = entry;
      return iocChecksumItem({
        source: stream.source,
        type: indicator.type,
        value: indicator.value,
        auditId: indicator.auditId,
        dryRun: indicator.dryRun,
      });
    }
    case 'exclusions': {
      if (!('type' in entry) || 'auditId' in entry)
        throw new RangeError(`not an exclusion entry for ${streamId}`);
      const exclusion: ExclusionEntry = entry;
      return exclusionChecksumItem({ type: exclusion.type, value: exclusion.value });
    }
    case 'settings':
      if (!('settings' in entry)) throw new RangeError(`not a settings entry for ${streamId}`);
      return JSON.stringify(canonicalSettings(entry.settings));
  }
}

/** The checksum of a whole state, from scratch. */
export function stateChecksumOf(streamId: StreamId, entries: Iterable<StreamEntry>): string {
  const sum = new StateChecksum();
  for (const entry of entries) sum.add(checksumItemOf(streamId, entry));
  return sum.toHex();
}
