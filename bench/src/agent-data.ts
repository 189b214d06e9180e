// Data for the agent benchmarks: a saved 1M-indicator agent state, and mixed traffic for the decision API.
import { randomUUID } from 'node:crypto';
import { formatIpv4 } from '@threatline/ioc';
import { AgentState, saveCredential, StateStore } from '@threatline/agent';
import { indicatorEntry, settingsEntry, stateChecksumOf, type StreamEntry } from '@threatline/protocol';

/** xorshift32: the same data on every run. */
export class Rng {
  constructor(private state: number) {}
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  below(n: number): number {
    return this.next() % n;
  }
}

export interface AgentDataset {
  /** Destination addresses, domains and URLs that are IoCs (to mix hits into the traffic). */
  hitAddresses: string[];
  hitDomains: string[];
  hitUrls: string[];
  indicators: number;
}

/**
 * Writes an enrolled agent's state directory holding `count` X-Ops indicators (a quarter each IPv4 addresses,
 * /24 networks, domains and URLs) plus 1,000 MDR ones, both modules on with log-and-drop. The credential points at
 * a stream URL nobody answers: the agent decides from its saved state and keeps retrying in the background.
 */
export async function writeAgentState(stateDir: string, count: number): Promise<AgentDataset> {
  const rng = new Rng(7);
  const xops: StreamEntry[] = [];
  const data: AgentDataset = { hitAddresses: [], hitDomains: [], hitUrls: [], indicators: count + 1000 };
  const seen = new Set<string>();
  const add = (
    list: StreamEntry[],
    type: 'ipv4' | 'cidr' | 'domain' | 'url',
    value: string,
    auditId: string,
  ) => {
    if (seen.has(`${type}:${value}`)) return;
    seen.add(`${type}:${value}`);
    list.push(indicatorEntry({ type, value, auditId, dryRun: false }));
  };
  for (let i = 0; xops.length < count; i++) {
    const auditId = `XOPS-20261123-${String(i % 997).padStart(8, '0')}`;
    switch (i % 4) {
      case 0: {
        const address = formatIpv4(((1 + rng.below(222)) << 24) | rng.below(1 << 24));
        add(xops, 'ipv4', address, auditId);
        if (data.hitAddresses.length < 1000) data.hitAddresses.push(address);
        break;
      }
      case 1:
        add(
          xops,
          'cidr',
          `${formatIpv4(((1 + rng.below(222)) << 24) | (rng.below(1 << 16) << 8))}/24`,
          auditId,
        );
        break;
      case 2: {
        const domain = `h${rng.next().toString(36)}.example${i % 500}.com`;
        add(xops, 'domain', domain, auditId);
        if (data.hitDomains.length < 1000) data.hitDomains.push(domain);
        break;
      }
      default: {
        const url = `u${rng.next().toString(36)}.site${i % 300}.net/dl/${i}.exe`;
        add(xops, 'url', url, auditId);
        if (data.hitUrls.length < 1000) data.hitUrls.push(url);
      }
    }
  }
  const tenant = `mdr:t:${randomUUID()}`;
  const settingsStream = `set:f:${randomUUID()}`;
  const mdr = Array.from({ length: 1000 }, (_, i) =>
    indicatorEntry({
      type: 'domain',
      value: `mdr${i}.evil.example`,
      auditId: 'MDR-20261123-AAAAAAAA',
      dryRun: false,
    }),
  );
  const settings = [
    settingsEntry({
      mdr: { enabled: true, action: 'LOG_AND_DROP' },
      xops: { enabled: true, action: 'LOG_AND_DROP' },
      localReporting: true,
      centralReporting: true,
    }),
  ];
  const state = AgentState.empty();
  state.holdStreams([tenant, 'xops', settingsStream]);
  for (const [stream, entries] of [
    [tenant, mdr],
    ['xops', xops],
    [settingsStream, settings],
  ] as const) {
    const outcome = await state.applySnapshot({
      stream,
      epoch: 1,
      seq: entries.length,
      checksum: stateChecksumOf(stream, entries),
      entries,
    });
    if (outcome.status !== 'applied') throw new Error(`bench state: ${JSON.stringify(outcome)}`);
  }
  await new StateStore(stateDir).save(state);
  await saveCredential(stateDir, {
    firewallId: randomUUID(),
    credential: 'tlf_bench',
    streamUrl: 'ws://127.0.0.1:9/agent/v1',
    serverUrl: 'http://127.0.0.1:9',
    serial: 'BENCH',
    enrolledAt: new Date().toISOString(),
  });
  return data;
}

/**
 * `count` decision requests as NDJSON lines: 40% IP-only (firewall), 30% DNS (domain), 30% web (domain and URL),
 * about 2% of them hitting an IoC.
 */
export function mixedTraffic(data: AgentDataset, count: number, rng = new Rng(11)): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const hit = rng.below(100) < 2;
    const srcIp = `10.${rng.below(256)}.${rng.below(256)}.${1 + rng.below(254)}`;
    const kind = rng.below(10);
    if (kind < 4) {
      const dstIp = hit
        ? data.hitAddresses[rng.below(data.hitAddresses.length)]!
        : formatIpv4(((1 + rng.below(222)) << 24) | rng.below(1 << 24));
      lines.push(JSON.stringify({ direction: 'outbound', srcIp, dstIp }));
    } else if (kind < 7) {
      const domain = hit
        ? `www.${data.hitDomains[rng.below(data.hitDomains.length)]!}`
        : `host${rng.next().toString(36)}.clean${rng.below(1000)}.org`;
      lines.push(
        JSON.stringify({ direction: 'outbound', srcIp, dstIp: '93.184.216.34', domain, module: 'dns' }),
      );
    } else {
      const host = `cdn${rng.next().toString(36)}.clean${rng.below(1000)}.org`;
      const url = hit
        ? `http://${data.hitUrls[rng.below(data.hitUrls.length)]!}`
        : `https://${host}/assets/${rng.next().toString(36)}.js?v=${i}`;
      lines.push(
        JSON.stringify({
          direction: 'outbound',
          srcIp,
          dstIp: '93.184.216.34',
          domain: hit ? undefined : host,
          url,
        }),
      );
    }
  }
  return lines;
}
