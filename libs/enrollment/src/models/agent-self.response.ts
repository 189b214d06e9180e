import { FirewallModel, FirewallStatus, ThreatFeedAction } from '@threatline/fleet';

interface ThreatFeedModuleSettings {
  enabled: boolean;
  action: ThreatFeedAction;
}

/** The answer of GET /api/v1/agent/self: what the service knows of the calling firewall. */
export interface AgentSelfResponse {
  firewallId: string;
  tenantId: string;
  groupId: string;
  serial: string;
  hostname: string | null;
  status: FirewallStatus;
  settings: {
    mdr: ThreatFeedModuleSettings;
    xops: ThreatFeedModuleSettings;
    localReporting: boolean;
    centralReporting: boolean;
  };
}

export function toAgentSelfResponse(tenantId: string, firewall: FirewallModel): AgentSelfResponse {
  const { mdr, xops, localReporting, centralReporting } = firewall.settings;
  return {
    firewallId: firewall.id,
    tenantId,
    groupId: firewall.groupId,
    serial: firewall.serial,
    hostname: firewall.hostname,
    status: firewall.status,
    settings: {
      mdr: { enabled: mdr.enabled, action: mdr.action },
      xops: { enabled: xops.enabled, action: xops.action },
      localReporting,
      centralReporting,
    },
  };
}
