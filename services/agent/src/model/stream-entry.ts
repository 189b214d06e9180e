import { EXCLUSION_TYPES, IOC_TYPES } from '@threatline/ioc';
import { exclusionChecksumItem, iocChecksumItem, type IocSource } from '@threatline/matcher';
// Types only from @threatline/protocol: its runtime pulls in zod, which a cold start (first decision in a few
// hundred ms) cannot afford before serving. The two functions it would give are restated here; a spec holds them
// equal to the protocol's.
import type {
  ExclusionEntry,
  FirewallSettings,
  IndicatorEntry,
  SettingsEntry,
  StreamEntry,
  StreamKind,
} from '@threatline/protocol';
import { isRecord, parseSettings } from './settings';

const SETTINGS_KEY = 'settings';
const STREAM_ID =
  /^(?:(mdr:t|mdr:g|exc:g|set:f):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|xops)$/;

/** @threatline/protocol's canonicalSettings: the settings' keys in their one canonical order. */
export function canonicalSettings(settings: FirewallSettings): FirewallSettings {
  return {
    mdr: { enabled: settings.mdr.enabled, action: settings.mdr.action },
    xops: { enabled: settings.xops.enabled, action: settings.xops.action },
    localReporting: settings.localReporting,
    centralReporting: settings.centralReporting,
  };
}

export type { ExclusionEntry, IndicatorEntry, SettingsEntry, StreamEntry, StreamKind };

/** What a stream holds (from its id), so its entries need not carry it. */
export interface StreamShape {
  kind: StreamKind;
  /** Set for indicator streams. */
  source?: IocSource;
}

/** The shape of a stream id, or null for an id this agent does not know. */
export function streamShape(id: string): StreamShape | null {
  const match = STREAM_ID.exec(id);
  if (match === null) return null;
  switch (match[1]) {
    case undefined:
      return { kind: 'indicators', source: 'XOPS' };
    case 'mdr:t':
    case 'mdr:g':
      return { kind: 'indicators', source: 'MDR' };
    case 'exc:g':
      return { kind: 'exclusions' };
    default:
      return { kind: 'settings' };
  }
}

/** The entry's item in its stream's StateChecksum: @threatline/protocol's checksumItemOf, without re-parsing the
 *  stream id for every entry (a spec holds the two equal). */
export function checksumItem(shape: StreamShape, entry: StreamEntry): string {
  switch (shape.kind) {
    case 'indicators': {
      const e = entry as IndicatorEntry;
      return iocChecksumItem({
        source: shape.source!,
        type: e.type,
        value: e.value,
        auditId: e.auditId,
        dryRun: e.dryRun,
      });
    }
    case 'exclusions': {
      const e = entry as ExclusionEntry;
      return exclusionChecksumItem({ type: e.type, value: e.value });
    }
    case 'settings':
      return JSON.stringify(canonicalSettings((entry as SettingsEntry).settings));
  }
}

/** Audit IDs are shared by every indicator of a feed: one copy of each in memory instead of one per entry (a
 *  million entries hold a few thousand distinct IDs). Bounded, so a long-lived agent cannot grow it forever. */
const auditIds = new Map<string, string>();
const MAX_INTERNED = 100_000;

export function internAuditId(auditId: string): string {
  const known = auditIds.get(auditId);
  if (known !== undefined) return known;
  if (auditIds.size < MAX_INTERNED) auditIds.set(auditId, auditId);
  return auditId;
}

/**
 * The entry in `raw` for a stream of this shape, or a message naming what is wrong: a hand-written check of the
 * protocol's entry schemas, fast enough for a million saved entries. Values are checked for their normalized form
 * by the matcher when applied.
 */
export function parseEntry(shape: StreamShape, raw: unknown): StreamEntry | string {
  if (!isRecord(raw)) return 'an entry must be an object';
  const { key, type, value } = raw;
  if (typeof key !== 'string' || key.length === 0) return 'entry.key must be a non-empty string';
  switch (shape.kind) {
    case 'indicators': {
      const iocType = IOC_TYPES.find((known) => known === type);
      if (iocType === undefined) return `entry ${key}: unknown indicator type`;
      if (typeof value !== 'string' || value.length === 0) return `entry ${key}: value missing`;
      if (key !== `${type as string}:${value}`) return `entry ${key}: key must be "<type>:<value>"`;
      if (typeof raw.auditId !== 'string' || raw.auditId.length === 0) return `entry ${key}: auditId missing`;
      if (typeof raw.dryRun !== 'boolean') return `entry ${key}: dryRun must be a boolean`;
      return { key, type: iocType, value, auditId: internAuditId(raw.auditId), dryRun: raw.dryRun };
    }
    case 'exclusions': {
      const exclusionType = EXCLUSION_TYPES.find((known) => known === type);
      if (exclusionType === undefined) return `entry ${key}: unknown exclusion type`;
      if (typeof value !== 'string' || value.length === 0) return `entry ${key}: value missing`;
      if (key !== `${type as string}:${value}`) return `entry ${key}: key must be "<TYPE>:<value>"`;
      return { key, type: exclusionType, value };
    }
    case 'settings': {
      if (key !== SETTINGS_KEY) return `a settings stream holds only the key "settings", not ${key}`;
      const settings = parseSettings(raw.settings);
      return typeof settings === 'string' ? settings : { key: SETTINGS_KEY, settings };
    }
  }
}
