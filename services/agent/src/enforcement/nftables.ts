import type { AgentLog } from '../log';
import type { AddressSets } from './address-policy';
import { diffIntervals, formatInterval, NO_INTERVALS, type Ipv4Intervals } from './ipv4-intervals';
import { CoalescingRunner } from './coalescing-runner';
import { NftError, type NftRunner } from './nft-runner';

const SETS = { drop: 'drop4', log: 'log4', exclude: 'exclude4' } as const;
const ELEMENTS_PER_STATEMENT = 10_000;

/**
 * The agent's own nftables table (`table ip threatline`), replaced as a whole at start and then kept in step
 * with the state by element deltas, each batch one `nft -f` transaction (atomic: all of it or none).
 *
 * Rules follow the traffic rules of the contract (section 8): traffic to the firewall itself (input) is matched
 * on its source; traffic the firewall sends (output) on its destination; forwarded traffic on its destination,
 * and on its source unless it was DNATed (inbound: not matched on source). An address in an IP/NETWORK exclusion
 * is never dropped or counted on that field. Log-and-drop addresses are dropped with a counter; log-only and
 * dry-run addresses are counted and pass (their events come from the decision API).
 */
export function tableScript(table: string): string {
  const rules = (field: 'saddr' | 'daddr', guard = '') => [
    `${guard}ip ${field} @${SETS.drop} ip ${field} != @${SETS.exclude} counter drop`,
    `${guard}ip ${field} @${SETS.log} ip ${field} != @${SETS.exclude} counter`,
  ];
  const chain = (name: string, hook: string, lines: string[]) =>
    `  chain ${name} {\n    type filter hook ${hook} priority filter - 10; policy accept;\n${lines
      .map((line) => `    ${line}\n`)
      .join('')}  }\n`;
  const set = (name: string) => `  set ${name} { type ipv4_addr; flags interval; }\n`;
  return (
    `add table ip ${table}\ndelete table ip ${table}\ntable ip ${table} {\n` +
    set(SETS.drop) +
    set(SETS.log) +
    set(SETS.exclude) +
    chain('input', 'input', rules('saddr')) +
    chain('output', 'output', rules('daddr')) +
    chain('forward', 'forward', [...rules('daddr'), ...rules('saddr', 'ct status & dnat == 0 ')]) +
    '}\n'
  );
}

function elementStatements(
  verb: 'add' | 'delete',
  table: string,
  set: string,
  intervals: Ipv4Intervals,
): string {
  let script = '';
  for (let from = 0; from < intervals.starts.length; from += ELEMENTS_PER_STATEMENT) {
    const to = Math.min(from + ELEMENTS_PER_STATEMENT, intervals.starts.length);
    const elements: string[] = [];
    for (let i = from; i < to; i++) elements.push(formatInterval(intervals.starts[i]!, intervals.ends[i]!));
    script += `${verb} element ip ${table} ${set} { ${elements.join(', ')} }\n`;
  }
  return script;
}

const EMPTY: AddressSets = { drop: NO_INTERVALS, log: NO_INTERVALS, exclude: NO_INTERVALS };

export type NftablesStatus = 'off' | 'unavailable' | 'starting' | 'in-step' | 'failing';

/**
 * Keeps the kernel table in step with the wanted address sets. Updates are queued and coalesced: while one
 * `nft -f` runs, only the latest wanted sets are remembered, and the next run moves from what the kernel holds
 * to them. Without `nft` (or without the privilege to use it) it says so once and enforcement stays with the
 * decision API.
 */
export class NftablesEnforcer {
  private applied: AddressSets | null = null;
  private readonly runner = new CoalescingRunner<AddressSets>((target) => this.moveTo(target));
  private state: NftablesStatus = 'starting';
  private lastError: string | null = null;

  constructor(
    private readonly run: NftRunner,
    private readonly log: AgentLog,
    private readonly table = 'threatline',
  ) {}

  get status(): { state: NftablesStatus; lastError: string | null; table: string } {
    return { state: this.state, lastError: this.lastError, table: `ip ${this.table}` };
  }

  /** Asks for the sets `wanted` computes (called when their turn comes, so a burst of changes computes them
   *  once); resolves when the kernel holds them (or enforcement is unavailable). */
  update(wanted: () => AddressSets): Promise<void> {
    if (this.state === 'unavailable') return Promise.resolve();
    return this.runner.request(wanted);
  }

  /** Resolves when every update asked so far is applied. */
  idle(): Promise<void> {
    return this.runner.idle();
  }

  private async moveTo(target: AddressSets): Promise<void> {
    if (this.state === 'unavailable') return;
    try {
      await this.run(this.scriptTo(target));
      this.applied = target;
      if (this.state !== 'in-step') this.log.info(`nftables: table ip ${this.table} in step with the state`);
      this.state = 'in-step';
      this.lastError = null;
    } catch (error) {
      if (
        this.applied === null &&
        error instanceof NftError &&
        (error.missing || /permitted|denied/i.test(error.message))
      ) {
        this.state = 'unavailable';
        this.lastError = error.message;
        this.log.warn(
          `nftables: unavailable (${error.message}); the agent runs without kernel enforcement (decision API only)`,
        );
        return;
      }
      this.state = 'failing';
      this.lastError = error instanceof Error ? error.message : String(error);
      this.log.error(`nftables: ${this.lastError}; the table is rebuilt on the next change`);
      // What the kernel holds is unknown now: the next run replaces the table as a whole.
      this.applied = null;
    }
  }

  private scriptTo(target: AddressSets): string {
    const from = this.applied;
    let script = from === null ? tableScript(this.table) : '';
    for (const key of ['drop', 'log', 'exclude'] as const) {
      const { removed, added } = diffIntervals((from ?? EMPTY)[key], target[key]);
      script += elementStatements('delete', this.table, SETS[key], removed);
      script += elementStatements('add', this.table, SETS[key], added);
    }
    return script;
  }
}
