import type { FirewallSettings } from '@threatline/db';
import { settingsEntry, type SettingsEntry } from '@threatline/protocol';

type SettingsColumns = Pick<
  FirewallSettings,
  'mdrEnabled' | 'mdrAction' | 'xopsEnabled' | 'xopsAction' | 'localReporting' | 'centralReporting'
>;

/** The one entry of `set:f:<firewallId>` for a firewall_settings row. */
export function settingsEntryOf(row: SettingsColumns): SettingsEntry {
  return settingsEntry({
    mdr: { enabled: row.mdrEnabled, action: row.mdrAction },
    xops: { enabled: row.xopsEnabled, action: row.xopsAction },
    localReporting: row.localReporting,
    centralReporting: row.centralReporting,
  });
}
