import type { ExclusionType, IocType } from '@threatline/ioc';

export type { ExclusionType, IocType };

export type IocSource = 'MDR' | 'XOPS';

/** One indicator of a feed. Its identity is (source, value): adding an existing identity replaces it. */
export interface IocEntry {
  /** Normalized by @threatline/ioc. */
  value: string;
  type: IocType;
  source: IocSource;
  auditId: string;
  dryRun: boolean;
}

/** Identity (type, value). */
export interface ExclusionEntry {
  type: ExclusionType;
  /** Normalized by @threatline/ioc's normalizeExclusion. */
  value: string;
}

export type ThreatFeedAction = 'LOG_ONLY' | 'LOG_AND_DROP';

export interface ModuleSettings {
  mdr: { enabled: boolean; action: ThreatFeedAction };
  xops: { enabled: boolean; action: ThreatFeedAction };
}

export type TrafficDirection = 'outbound' | 'inbound' | 'system';

export interface Traffic {
  direction: TrafficDirection;
  srcIp: string;
  dstIp: string;
  domain?: string;
  url?: string;
  endpoint?: { host?: string; user?: string; process?: string };
}

export type MatchField = 'srcIp' | 'dstIp' | 'domain' | 'url';

export interface Match {
  source: IocSource;
  field: MatchField;
  indicator: string;
  auditId: string;
  /** What this module did for this match; a dry-run match is always 'log'. */
  action: 'log' | 'drop';
  dryRun: boolean;
}

export interface Decision {
  action: 'allow' | 'log' | 'drop';
  matches: Match[];
  /** Set when there were matches and exclusions covered every one of them. */
  excludedBy?: ExclusionEntry;
}

/** One change to a matcher's state. */
export type MatcherDelta =
  | { op: 'add'; entry: IocEntry }
  | { op: 'remove'; source: IocSource; value: string }
  | { op: 'addExclusion'; exclusion: ExclusionEntry }
  | { op: 'removeExclusion'; exclusion: ExclusionEntry };

/** The three stream checksums (see state-checksum.ts), 16 hex digits each. */
export interface MatcherChecksums {
  mdr: string;
  xops: string;
  exclusions: string;
}
