import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Matcher } from './matcher';
import { FORMAT_VERSION } from './serialize';
import type { ExclusionEntry, IocEntry, ModuleSettings, Traffic } from './types';

// The golden file pins the binary format: bytes built from the fixed set below must not change unless
// FORMAT_VERSION changes with them. After a deliberate format change, bump FORMAT_VERSION in serialize.ts and
// regenerate with: UPDATE_MATCHER_GOLDEN=1 npx vitest run --project unit libs/matcher/src/golden.spec.ts

const GOLDEN_BIN = join(__dirname, '__golden__', 'matcher.bin');
const GOLDEN_JSON = join(__dirname, '__golden__', 'matcher.json');

const entries: IocEntry[] = [
  { value: '203.0.113.7', type: 'ipv4', source: 'MDR', auditId: 'feed-1', dryRun: false },
  { value: '255.255.255.255', type: 'ipv4', source: 'XOPS', auditId: 'feed-2', dryRun: false },
  { value: '198.51.100.0/24', type: 'cidr', source: 'MDR', auditId: 'feed-1', dryRun: true },
  { value: '10.0.0.0/8', type: 'cidr', source: 'XOPS', auditId: 'feed-2', dryRun: false },
  // A network longer than /24: the block's count and its key (format 6).
  { value: '192.0.2.128/28', type: 'cidr', source: 'XOPS', auditId: 'feed-2', dryRun: false },
  // A /17../20 network: the /20 block table (format 7).
  { value: '100.64.0.0/18', type: 'cidr', source: 'MDR', auditId: 'feed-1', dryRun: false },
  { value: 'evil.example', type: 'domain', source: 'MDR', auditId: 'feed-1', dryRun: false },
  { value: 'evil.example', type: 'domain', source: 'XOPS', auditId: 'feed-3', dryRun: false },
  { value: 'xn--bcher-kva.example', type: 'domain', source: 'XOPS', auditId: 'feed-3', dryRun: true },
  { value: 'cdn.example.org/dl/', type: 'url', source: 'MDR', auditId: 'feed-4', dryRun: false },
  { value: '192.0.2.1/bins/x86', type: 'url', source: 'XOPS', auditId: 'feed-4', dryRun: false },
  { value: 'shop.example.net/pay?id=1', type: 'url', source: 'MDR', auditId: 'feed-é', dryRun: false },
];
const exclusions: ExclusionEntry[] = [
  { type: 'IP', value: '203.0.113.8' },
  { type: 'NETWORK', value: '10.1.0.0/16' },
  { type: 'NETWORK', value: '10.2.3.4/32' },
  { type: 'DOMAIN', value: 'good.evil.example' },
  { type: 'URL', value: 'cdn.example.org/dl/ok/' },
  { type: 'HOST', value: 'build-server-1' },
];
const settings: ModuleSettings = {
  mdr: { enabled: true, action: 'LOG_AND_DROP' },
  xops: { enabled: true, action: 'LOG_ONLY' },
};
const traffic: Traffic[] = [
  { direction: 'outbound', srcIp: '10.9.9.9', dstIp: '203.0.113.7', domain: 'a.evil.example' },
  {
    direction: 'inbound',
    srcIp: '203.0.113.7',
    dstIp: '198.51.100.20',
    url: 'https://x.cdn.example.org/dl/a.exe',
  },
  { direction: 'outbound', srcIp: '10.1.2.3', dstIp: '192.0.2.1', url: 'http://192.0.2.1/bins/x86' },
  { direction: 'outbound', srcIp: '172.16.0.1', dstIp: '1.1.1.1', domain: 'good.evil.example' },
  { direction: 'outbound', srcIp: '10.9.9.9', dstIp: '192.0.2.130' },
  { direction: 'outbound', srcIp: '10.9.9.9', dstIp: '100.64.33.1' },
];

function build(): Matcher {
  return Matcher.build(entries, exclusions);
}

interface Golden {
  formatVersion: number;
  checksums: ReturnType<Matcher['checksums']>;
  decisions: ReturnType<Matcher['check']>[];
}

if (process.env.UPDATE_MATCHER_GOLDEN) {
  const matcher = build();
  writeFileSync(GOLDEN_BIN, matcher.serialize());
  const golden: Golden = {
    formatVersion: FORMAT_VERSION,
    checksums: matcher.checksums(),
    decisions: traffic.map((t) => matcher.check(t, settings)),
  };
  writeFileSync(GOLDEN_JSON, `${JSON.stringify(golden, null, 2)}\n`);
}

describe('golden matcher file', () => {
  const golden = JSON.parse(readFileSync(GOLDEN_JSON, 'utf8')) as Golden;
  const bytes = new Uint8Array(readFileSync(GOLDEN_BIN));

  it('was written with the current format version', () => {
    expect(FORMAT_VERSION, 'FORMAT_VERSION changed: regenerate the golden file (see golden.spec.ts)').toBe(
      golden.formatVersion,
    );
  });

  it('is what building the fixed set writes today', () => {
    const rebuilt = build().serialize();
    const same = Buffer.from(rebuilt).equals(Buffer.from(bytes));
    expect(same, `the binary format changed but FORMAT_VERSION is still ${FORMAT_VERSION}: bump it`).toBe(
      true,
    );
  });

  it('loads, with the recorded checksums and decisions', () => {
    const loaded = Matcher.deserialize(bytes);
    expect(loaded.checksums()).toEqual(golden.checksums);
    expect(traffic.map((t) => loaded.check(t, settings))).toEqual(golden.decisions);
    expect(golden.decisions.map((d) => d.action)).toEqual(['drop', 'drop', 'log', 'allow', 'log', 'drop']);
  });
});
