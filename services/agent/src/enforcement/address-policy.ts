import type { ExclusionEntry, IocEntry } from '@threatline/matcher';
import type { AgentSettings } from '../model/settings';
import { intervalOf, mergeIntervals, type Ipv4Intervals } from './ipv4-intervals';

/** What the kernel enforces: addresses to drop (log-and-drop, not dry run), addresses to count (log only or dry
 *  run), and IP/NETWORK exclusions, which win over both. */
export interface AddressSets {
  drop: Ipv4Intervals;
  log: Ipv4Intervals;
  exclude: Ipv4Intervals;
}

/** The address sets of the IPv4 and CIDR entries in effect, under the settings (a module turned off adds
 *  nothing; with MDR log-only and X-Ops log-and-drop, X-Ops still drops, as the matcher decides). */
export function addressSets(
  entries: readonly IocEntry[],
  exclusions: readonly ExclusionEntry[],
  settings: AgentSettings,
): AddressSets {
  const drop: [number, number][] = [];
  const log: [number, number][] = [];
  for (const entry of entries) {
    if (entry.type !== 'ipv4' && entry.type !== 'cidr') continue;
    const module = entry.source === 'MDR' ? settings.mdr : settings.xops;
    if (!module.enabled) continue;
    const interval = intervalOf(entry.value);
    if (interval === null) continue;
    (module.action === 'LOG_AND_DROP' && !entry.dryRun ? drop : log).push(interval);
  }
  const exclude: [number, number][] = [];
  for (const exclusion of exclusions) {
    if (exclusion.type !== 'IP' && exclusion.type !== 'NETWORK') continue;
    const interval = intervalOf(exclusion.value);
    if (interval !== null) exclude.push(interval);
  }
  return { drop: mergeIntervals(drop), log: mergeIntervals(log), exclude: mergeIntervals(exclude) };
}
