import { ThreatFeedAction } from '@threatline/db';
import { isConnected } from './firewall-presence';
import { FirewallRow } from './fleet.repository';
import { FirewallModel } from './models/firewall.model';

/** The row as the API shows it. Enrollment writes the settings row with the firewall. */
export function toFirewallModel(row: FirewallRow): FirewallModel {
  const settings = row.settings;
  return {
    id: row.id,
    groupId: row.groupId,
    serial: row.serial,
    hostname: row.hostname,
    model: row.model,
    firmwareVersion: row.firmwareVersion,
    status: row.status,
    connected: isConnected(row, new Date()),
    lastSeenAt: row.lastSeenAt,
    enrolledAt: row.enrolledAt,
    deregisteredAt: row.deregisteredAt,
    settings: {
      mdr: {
        enabled: settings?.mdrEnabled ?? true,
        action: settings?.mdrAction ?? ThreatFeedAction.LOG_AND_DROP,
      },
      xops: {
        enabled: settings?.xopsEnabled ?? false,
        action: settings?.xopsAction ?? ThreatFeedAction.LOG_AND_DROP,
      },
      localReporting: settings?.localReporting ?? true,
      centralReporting: settings?.centralReporting ?? true,
      updatedAt: settings?.updatedAt ?? row.enrolledAt,
    },
  };
}
