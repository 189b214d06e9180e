import type { ModuleSettings, ThreatFeedAction } from '@threatline/matcher';
import type { FirewallSettings } from '@threatline/protocol';

/** The firewall's own settings, as its `set:f:<firewallId>` stream carries them: the matcher's module settings,
 *  plus local reporting (events to the local log) and central reporting (events to the service). */
export type AgentSettings = FirewallSettings;

/** What the service gives a newly enrolled firewall (prisma FirewallSettings defaults): in force until the
 *  settings stream says otherwise. */
export const DEFAULT_SETTINGS: AgentSettings = {
  mdr: { enabled: true, action: 'LOG_AND_DROP' },
  xops: { enabled: false, action: 'LOG_AND_DROP' },
  localReporting: true,
  centralReporting: true,
};

const ACTIONS: readonly ThreatFeedAction[] = ['LOG_ONLY', 'LOG_AND_DROP'];

/** The settings in `raw`, or a message naming the first thing wrong with it. */
export function parseSettings(raw: unknown): AgentSettings | string {
  if (!isRecord(raw)) return 'settings must be an object';
  const modules: Partial<Record<'mdr' | 'xops', ModuleSettings['mdr']>> = {};
  for (const name of ['mdr', 'xops'] as const) {
    const module = raw[name];
    if (!isRecord(module)) return `settings.${name} must be an object`;
    if (typeof module.enabled !== 'boolean') return `settings.${name}.enabled must be a boolean`;
    if (!ACTIONS.includes(module.action as ThreatFeedAction)) {
      return `settings.${name}.action must be LOG_ONLY or LOG_AND_DROP`;
    }
    modules[name] = { enabled: module.enabled, action: module.action as ThreatFeedAction };
  }
  if (typeof raw.localReporting !== 'boolean') return 'settings.localReporting must be a boolean';
  if (typeof raw.centralReporting !== 'boolean') return 'settings.centralReporting must be a boolean';
  return {
    mdr: modules.mdr!,
    xops: modules.xops!,
    localReporting: raw.localReporting,
    centralReporting: raw.centralReporting,
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
