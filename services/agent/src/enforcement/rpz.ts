import type { ExclusionEntry, IocEntry } from '@threatline/matcher';
import type { AgentLog } from '../log';
import type { AgentSettings } from '../model/settings';
import { writeFileAtomic } from '../state/atomic-file';
import { CoalescingRunner } from './coalescing-runner';

type RpzAction = 'drop' | 'log';
const RANK: Record<RpzAction, number> = { log: 1, drop: 2 };

export interface RpzCounts {
  drop: number;
  log: number;
  passthru: number;
}

/**
 * A DNS response-policy zone (RPZ, as Unbound and BIND load it) for the domain IoCs in effect: a log-and-drop
 * domain answers NXDOMAIN (`CNAME .`) for itself and every subdomain, a log-only or dry-run one passes and is
 * logged by the resolver (`CNAME rpz-passthru.`), and a DOMAIN exclusion under an IoC domain passes.
 *
 * Resolvers pick the most specific matching name, while the matcher drops when any covering IoC drops; so a name
 * is written only when its action is stronger than every IoC above it (a log-only subdomain of a dropped domain
 * adds nothing), and an IoC at or under an exclusion is left out (exclusions win). Then the most specific written
 * name always carries the matcher's answer. Host, IP and network exclusions have no meaning for a DNS name.
 */
export function rpzZone(
  entries: readonly IocEntry[],
  exclusions: readonly ExclusionEntry[],
  settings: AgentSettings,
  serial: number,
): { text: string; counts: RpzCounts } {
  const actions = new Map<string, RpzAction>();
  for (const entry of entries) {
    if (entry.type !== 'domain') continue;
    const module = entry.source === 'MDR' ? settings.mdr : settings.xops;
    if (!module.enabled) continue;
    const action: RpzAction = module.action === 'LOG_AND_DROP' && !entry.dryRun ? 'drop' : 'log';
    const held = actions.get(entry.value);
    if (held === undefined || RANK[action] > RANK[held]) actions.set(entry.value, action);
  }
  const excluded = new Set(exclusions.filter((e) => e.type === 'DOMAIN').map((e) => e.value));
  const records: [string, RpzAction | 'passthru'][] = [];
  for (const [name, action] of actions) {
    if (selfOrParents(name).some((parent) => excluded.has(parent))) continue;
    let above = 0;
    for (const parent of parents(name)) {
      const held = actions.get(parent);
      if (held !== undefined) above = Math.max(above, RANK[held]);
    }
    if (RANK[action] > above) records.push([name, action]);
  }
  for (const name of excluded) {
    if (selfOrParents(name).some((parent) => actions.has(parent))) records.push([name, 'passthru']);
  }
  records.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const counts: RpzCounts = { drop: 0, log: 0, passthru: 0 };
  const lines = [
    '; Threatline response-policy zone, written by threatline-agent: do not edit.',
    '$TTL 60',
    `@ IN SOA localhost. hostmaster.localhost. ( ${serial} 3600 600 86400 60 )`,
    '@ IN NS localhost.',
  ];
  for (const [name, action] of records) {
    counts[action]++;
    const target = action === 'drop' ? '.' : 'rpz-passthru.';
    lines.push(`${name} CNAME ${target}`, `*.${name} CNAME ${target}`);
  }
  return { text: lines.join('\n') + '\n', counts };
}

function parents(name: string): string[] {
  const out: string[] = [];
  for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) out.push(name.slice(dot + 1));
  return out;
}

function selfOrParents(name: string): string[] {
  return [name, ...parents(name)];
}

/** Writes the zone file atomically, coalescing updates that come while a write is in progress. */
export class RpzWriter {
  private serial = 0;
  private readonly runner = new CoalescingRunner<{ text: string; counts: RpzCounts }>((zone) =>
    this.write(zone),
  );
  lastCounts: RpzCounts | null = null;
  lastError: string | null = null;

  constructor(
    readonly path: string,
    private readonly log: AgentLog,
  ) {}

  /** The next serial: increasing, and the Unix time when that is larger (a restart keeps it increasing). */
  nextSerial(): number {
    this.serial = Math.max(this.serial + 1, Math.floor(Date.now() / 1000));
    return this.serial;
  }

  update(zone: (serial: number) => { text: string; counts: RpzCounts }): Promise<void> {
    return this.runner.request(() => zone(this.nextSerial()));
  }

  idle(): Promise<void> {
    return this.runner.idle();
  }

  private async write({ text, counts }: { text: string; counts: RpzCounts }): Promise<void> {
    try {
      await writeFileAtomic(this.path, text);
      this.lastCounts = counts;
      this.lastError = null;
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      this.log.error(`rpz: cannot write ${this.path}: ${this.lastError}`);
    }
  }
}
