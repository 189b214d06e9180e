import { randomUUID } from 'node:crypto';
import {
  exclusionEntry,
  indicatorEntry,
  settingsEntry,
  stateChecksumOf,
  type FirewallSettings,
  type IndicatorEntry,
  type StreamEntry,
} from '@threatline/protocol';
import type { DeltasFrame, SnapshotFrame, StreamDelta } from './agent-state';

/** The five streams of one firewall, with fresh owner ids. */
export function makeStreamIds() {
  return {
    tenant: `mdr:t:${randomUUID()}`,
    group: `mdr:g:${randomUUID()}`,
    xops: 'xops',
    exclusions: `exc:g:${randomUUID()}`,
    settings: `set:f:${randomUUID()}`,
  };
}

export function ioc(
  type: IndicatorEntry['type'],
  value: string,
  auditId = 'MDR-20261123-AAAAAAAA',
  dryRun = false,
) {
  return indicatorEntry({ type, value, auditId, dryRun });
}

export const excl = exclusionEntry;

export function settings(overrides: Partial<FirewallSettings> = {}) {
  return settingsEntry({
    mdr: { enabled: true, action: 'LOG_AND_DROP' },
    xops: { enabled: true, action: 'LOG_AND_DROP' },
    localReporting: true,
    centralReporting: true,
    ...overrides,
  });
}

export function snapshot(
  stream: string,
  entries: StreamEntry[],
  seq = entries.length,
  epoch = 1,
): SnapshotFrame {
  return { stream, epoch, seq, checksum: stateChecksumOf(stream, entries), entries };
}

/** A deltas frame moving `before` (at seq `fromSeq - 1`) by `deltas`, with the checksum of the result. */
export function deltas(
  stream: string,
  before: StreamEntry[],
  fromSeq: number,
  changes: ({ op: 'upsert'; entry: StreamEntry } | { op: 'remove'; key: string })[],
  epoch = 1,
): DeltasFrame & { after: StreamEntry[] } {
  const state = new Map(before.map((entry) => [entry.key, entry]));
  const list: StreamDelta[] = changes.map((change, index) => {
    const seq = fromSeq + index;
    if (change.op === 'upsert') {
      state.set(change.entry.key, change.entry);
      return { seq, op: 'upsert', key: change.entry.key, entry: change.entry };
    }
    state.delete(change.key);
    return { seq, op: 'remove', key: change.key };
  });
  const after = [...state.values()];
  return {
    stream,
    epoch,
    fromSeq,
    toSeq: fromSeq + changes.length - 1,
    checksum: stateChecksumOf(stream, after),
    deltas: list,
    after,
  };
}
