// Runs alone under another Node (`/usr/bin/node`, v20 on this machine) to time its net.BlockList on the networks
// and addresses the matcher bench hands over on stdin: the BlockList baseline (~15k checks/s at 10k rules)
// was measured on Node 20, whose BlockList is far slower than Node 24's. Node built-ins only, so any Node runs it.
import { BlockList } from 'node:net';

interface ProbeInput {
  networks: [string, number][];
  addresses: string[];
  rounds: number;
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

function main(input: ProbeInput): void {
  const list = new BlockList();
  for (const [network, prefix] of input.networks) list.addSubnet(network, prefix, 'ipv4');
  let hits = 0;
  const pass = (): void => {
    for (const address of input.addresses) if (list.check(address, 'ipv4')) hits++;
  };
  pass();
  const rates: number[] = [];
  for (let r = 0; r < input.rounds; r++) {
    const start = cpuMicros();
    pass();
    rates.push((input.addresses.length * 1e6) / Math.max(1, cpuMicros() - start));
  }
  rates.sort((a, b) => a - b);
  const perSecond = rates[Math.floor(rates.length / 2)]!;
  process.stdout.write(JSON.stringify({ node: process.version, perSecond, hits }));
}

let text = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => (text += chunk));
process.stdin.on('end', () => main(JSON.parse(text) as ProbeInput));
