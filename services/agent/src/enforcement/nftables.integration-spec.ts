import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { ExclusionEntry, IocEntry } from '@threatline/matcher';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type AgentSettings } from '../model/settings';
import { addressSets } from './address-policy';
import { nftRunner } from './nft-runner';
import { NftablesEnforcer } from './nftables';

/**
 * Kernel enforcement for real: two network namespaces joined by a veth pair, the agent's table in the "firewall"
 * namespace, TCP connections across. Needs root, `ip` (iproute2) and `nft` (nftables); without them this test
 * fails (CI installs both), it never skips.
 */
const suffix = randomBytes(3).toString('hex');
const fw = `tl-fw-${suffix}`;
const peer = `tl-peer-${suffix}`;
const FW_ADDRESS = '10.231.0.1';
const PORT = 7071;
const IOC = '10.231.0.2';
const IN_IOC_NETWORK = '10.231.0.4';
const EXCLUDED = '10.231.0.3';
const LOG_ONLY = '10.231.0.10';
const CLEAN = '10.231.0.9';
const settings: AgentSettings = { ...DEFAULT_SETTINGS, xops: { enabled: true, action: 'LOG_ONLY' } };
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

const entry = (type: IocEntry['type'], value: string, source: IocEntry['source'] = 'MDR'): IocEntry => ({
  type,
  value,
  source,
  auditId: `${source}-20261123-AAAAAAAA`,
  dryRun: false,
});

function sh(...args: string[]): string {
  return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const servers: ChildProcess[] = [];

/** A TCP server in a namespace, answering and closing every connection. */
async function serve(namespace: string): Promise<void> {
  const script = `require('net').createServer((s) => { s.on('error', () => {}); s.end('hi'); }).listen(${PORT}, '0.0.0.0', () => console.log('up'))`;
  const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  servers.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`server in ${namespace} exited with ${code}`)));
  });
}

/** Whether a TCP connection from `namespace` (optionally from `source`) to `address` opens within 1 s. */
function connects(namespace: string, address: string, source?: string): boolean {
  const options = JSON.stringify({ host: address, port: PORT, ...(source ? { localAddress: source } : {}) });
  const script = `const s = require('net').connect(${options}, () => process.exit(0)); s.on('error', () => process.exit(1)); setTimeout(() => process.exit(2), 1000);`;
  const result = spawnSync('ip', ['netns', 'exec', namespace, process.execPath, '-e', script]);
  return result.status === 0;
}

describe('nftables enforcement in a network namespace', () => {
  beforeAll(async () => {
    for (const [tool, args] of [
      ['ip', ['-V']],
      ['nft', ['--version']],
    ] as const) {
      const probe = spawnSync(tool, args);
      if (probe.error || probe.status !== 0) {
        throw new Error(
          `${tool} is missing or failing: install nftables and iproute2 (apt-get install -y nftables iproute2) and run as root`,
        );
      }
    }
    sh('ip', 'netns', 'add', fw);
    sh('ip', 'netns', 'add', peer);
    sh(
      'ip',
      'link',
      'add',
      `veth-f-${suffix}`,
      'netns',
      fw,
      'type',
      'veth',
      'peer',
      'name',
      `veth-p-${suffix}`,
      'netns',
      peer,
    );
    sh('ip', '-n', fw, 'addr', 'add', `${FW_ADDRESS}/24`, 'dev', `veth-f-${suffix}`);
    for (const address of [IOC, EXCLUDED, IN_IOC_NETWORK, CLEAN, LOG_ONLY]) {
      sh('ip', '-n', peer, 'addr', 'add', `${address}/24`, 'dev', `veth-p-${suffix}`);
    }
    for (const namespace of [fw, peer]) {
      sh('ip', '-n', namespace, 'link', 'set', 'lo', 'up');
      sh(
        'ip',
        '-n',
        namespace,
        'link',
        'set',
        namespace === fw ? `veth-f-${suffix}` : `veth-p-${suffix}`,
        'up',
      );
    }
    await serve(peer);
    await serve(fw);
  });

  afterAll(() => {
    for (const server of servers) server.kill('SIGKILL');
    for (const namespace of [fw, peer]) spawnSync('ip', ['netns', 'del', namespace]);
  });

  it('drops connections to IoC addresses and networks, lets excluded, log-only and clean ones through', async () => {
    const enforcer = new NftablesEnforcer(nftRunner(['ip', 'netns', 'exec', fw, 'nft']), silent);
    const entries = [entry('ipv4', IOC), entry('cidr', '10.231.0.0/29'), entry('ipv4', LOG_ONLY, 'XOPS')];
    const exclusions: ExclusionEntry[] = [{ type: 'IP', value: EXCLUDED }];
    await enforcer.update(() => addressSets(entries, exclusions, settings));
    expect(enforcer.status.state).toBe('in-step');

    expect(connects(fw, IOC)).toBe(false);
    expect(connects(fw, IN_IOC_NETWORK)).toBe(false);
    expect(connects(fw, EXCLUDED)).toBe(true);
    expect(connects(fw, LOG_ONLY)).toBe(true);
    expect(connects(fw, CLEAN)).toBe(true);
    // Traffic to the firewall itself is matched on its source.
    expect(connects(peer, FW_ADDRESS, IOC)).toBe(false);
    expect(connects(peer, FW_ADDRESS, CLEAN)).toBe(true);

    const table = sh('ip', 'netns', 'exec', fw, 'nft', 'list', 'table', 'ip', 'threatline');
    expect(table).toMatch(/ip daddr @drop4 ip daddr != @exclude4 counter packets [1-9]\d* bytes \d+ drop/);
    expect(table).toMatch(/ip daddr @log4 ip daddr != @exclude4 counter packets [1-9]/);
  });

  it('follows deltas atomically: a removed IoC passes again, a new exclusion opens an address', async () => {
    const enforcer = new NftablesEnforcer(nftRunner(['ip', 'netns', 'exec', fw, 'nft']), silent);
    const entries = [entry('ipv4', IOC), entry('cidr', '10.231.0.0/29')];
    await enforcer.update(() => addressSets(entries, [], settings));
    expect(connects(fw, EXCLUDED)).toBe(false);
    await enforcer.update(() =>
      addressSets(entries, [{ type: 'NETWORK', value: '10.231.0.0/30' }], settings),
    );
    expect(connects(fw, EXCLUDED)).toBe(true);
    expect(connects(fw, IN_IOC_NETWORK)).toBe(false);
    await enforcer.update(() => addressSets([entry('cidr', '10.231.0.0/29')].slice(1), [], settings));
    expect(connects(fw, IOC)).toBe(true);
    expect(connects(fw, IN_IOC_NETWORK)).toBe(true);
    const table = sh('ip', 'netns', 'exec', fw, 'nft', 'list', 'set', 'ip', 'threatline', 'drop4');
    expect(table).not.toContain('10.231.0.0');
  });

  it('turns the module off: MDR disabled, nothing is dropped', async () => {
    const enforcer = new NftablesEnforcer(nftRunner(['ip', 'netns', 'exec', fw, 'nft']), silent);
    await enforcer.update(() => addressSets([entry('ipv4', IOC)], [], settings));
    expect(connects(fw, IOC)).toBe(false);
    const off = { ...settings, mdr: { enabled: false, action: 'LOG_AND_DROP' as const } };
    await enforcer.update(() => addressSets([entry('ipv4', IOC)], [], off));
    expect(connects(fw, IOC)).toBe(true);
  });

  it('says once that nft is missing and runs without it', async () => {
    const warnings: string[] = [];
    const enforcer = new NftablesEnforcer(nftRunner(['/nonexistent/nft']), {
      ...silent,
      warn: (m) => warnings.push(m),
    });
    await enforcer.update(() => addressSets([entry('ipv4', IOC)], [], settings));
    await enforcer.update(() => addressSets([entry('ipv4', CLEAN)], [], settings));
    expect(enforcer.status.state).toBe('unavailable');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('without kernel enforcement');
  });
});
