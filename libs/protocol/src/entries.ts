// The entries of a stream's state, keyed by `key`. An upsert delta carries the full entry, so an entry alone is
// enough to rebuild what the agent holds.

import { z } from 'zod';

/** Longest indicator or exclusion value accepted on the wire (a URL may be long, not unbounded). */
export const MAX_ENTRY_VALUE_LENGTH = 8192;
/** The longest audit ID an indicator entry carries. */
export const MAX_AUDIT_ID_LENGTH = 64;

const value = z.string().min(1).max(MAX_ENTRY_VALUE_LENGTH);

export const indicatorTypeSchema = z.enum(['ipv4', 'cidr', 'domain', 'url']);
export const exclusionTypeSchema = z.enum(['IP', 'NETWORK', 'DOMAIN', 'URL', 'HOST']);
export const threatFeedActionSchema = z.enum(['LOG_ONLY', 'LOG_AND_DROP']);

/** An indicator (MDR or X-Ops stream), normalized by @threatline/ioc. Key `<type>:<value>`. */
export const indicatorEntrySchema = z
  .strictObject({
    key: z.string(),
    type: indicatorTypeSchema,
    value,
    auditId: z.string().min(1).max(MAX_AUDIT_ID_LENGTH),
    dryRun: z.boolean(),
  })
  .refine((entry) => entry.key === entryKey(entry.type, entry.value), {
    message: 'key must be "<type>:<value>"',
    path: ['key'],
  });

/** A threat exclusion (exclusion stream), normalized by @threatline/ioc. Key `<TYPE>:<value>`. */
export const exclusionEntrySchema = z
  .strictObject({ key: z.string(), type: exclusionTypeSchema, value })
  .refine((entry) => entry.key === entryKey(entry.type, entry.value), {
    message: 'key must be "<TYPE>:<value>"',
    path: ['key'],
  });

const moduleSettingsSchema = z.strictObject({ enabled: z.boolean(), action: threatFeedActionSchema });

export const firewallSettingsSchema = z.strictObject({
  mdr: moduleSettingsSchema,
  xops: moduleSettingsSchema,
  localReporting: z.boolean(),
  centralReporting: z.boolean(),
});

export const SETTINGS_KEY = 'settings';

/** The one entry of a settings stream. */
export const settingsEntrySchema = z.strictObject({
  key: z.literal(SETTINGS_KEY),
  settings: firewallSettingsSchema,
});

export type IndicatorType = z.infer<typeof indicatorTypeSchema>;
export type ExclusionType = z.infer<typeof exclusionTypeSchema>;
export type ThreatFeedAction = z.infer<typeof threatFeedActionSchema>;
export type IndicatorEntry = z.infer<typeof indicatorEntrySchema>;
export type ExclusionEntry = z.infer<typeof exclusionEntrySchema>;
export type FirewallSettings = z.infer<typeof firewallSettingsSchema>;
export type SettingsEntry = z.infer<typeof settingsEntrySchema>;
export type StreamEntry = IndicatorEntry | ExclusionEntry | SettingsEntry;

/** The key of an indicator or exclusion entry. */
export function entryKey(type: IndicatorType | ExclusionType, entryValue: string): string {
  return `${type}:${entryValue}`;
}

export function indicatorEntry(entry: Omit<IndicatorEntry, 'key'>): IndicatorEntry {
  return {
    key: entryKey(entry.type, entry.value),
    type: entry.type,
    value: entry.value,
    auditId: entry.auditId,
    dryRun: entry.dryRun,
  };
}

export function exclusionEntry(entry: Omit<ExclusionEntry, 'key'>): ExclusionEntry {
  return { key: entryKey(entry.type, entry.value), type: entry.type, value: entry.value };
}

export function settingsEntry(settings: FirewallSettings): SettingsEntry {
  return { key: SETTINGS_KEY, settings: canonicalSettings(settings) };
}

/** The settings with their keys in the one canonical order (and nothing else), so JSON texts compare equal. */
export function canonicalSettings(settings: FirewallSettings): FirewallSettings {
  return {
    mdr: { enabled: settings.mdr.enabled, action: settings.mdr.action },
    xops: { enabled: settings.xops.enabled, action: settings.xops.action },
    localReporting: settings.localReporting,
    centralReporting: settings.centralReporting,
  };
}
