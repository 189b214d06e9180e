import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matcher, type IocEntry } from '@threatline/matcher';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type AgentSettings } from '../model/settings';
import { rpzZone, RpzWriter } from './rpz';

const settings: AgentSettings = { ...DEFAULT_SETTINGS, xops: { enabled: true, action: 'LOG_ONLY' } };
const domain = (value: string, source: IocEntry['source'] = 'MDR', dryRun = false): IocEntry => ({
  type: 'domain',
  value,
  source,
  auditId: `${source}-1`,
  dryRun,
});

function records(text: string): string[] {
  return text.split('\n').filter((line) => line.includes(' CNAME '));
}

/** The action a resolver applies to `name`: the most specific matching record, as RPZ chooses. */
function resolverAction(text: string, name: string): 'drop' | 'log' | 'pass' {
  const rules = new Map(records(text).map((line) => line.split(' CNAME ') as [string, string]));
  const labels = name.split('.');
  for (let i = 0; i < labels.length; i++) {
    const suffix = labels.slice(i).join('.');
    const rule = (i === 0 ? rules.get(suffix) : undefined) ?? rules.get(`*.${suffix}`);
    if (i === 0 && rules.has(suffix)) return rules.get(suffix) === '.' ? 'drop' : 'log';
    if (i > 0 && rule !== undefined) return rule === '.' ? 'drop' : 'log';
  }
  return 'pass';
}

describe('rpzZone', () => {
  it('drops log-and-drop domains with their subdomains, passes log-only and dry-run ones, skips modules off', () => {
    const { text, counts } = rpzZone(
      [
        domain('evil.example'),
        domain('dry.example', 'MDR', true),
        domain('lab.example', 'XOPS'),
        { type: 'url', value: 'url.example/', source: 'MDR', auditId: 'MDR-1', dryRun: false },
      ],
      [],
      settings,
      42,
    );
    expect(text).toContain('@ IN SOA localhost. hostmaster.localhost. ( 42 3600 600 86400 60 )');
    expect(records(text)).toEqual([
      'dry.example CNAME rpz-passthru.',
      '*.dry.example CNAME rpz-passthru.',
      'evil.example CNAME .',
      '*.evil.example CNAME .',
      'lab.example CNAME rpz-passthru.',
      '*.lab.example CNAME rpz-passthru.',
    ]);
    expect(counts).toEqual({ drop: 1, log: 2, passthru: 0 });
    const off = rpzZone([domain('lab.example', 'XOPS')], [], DEFAULT_SETTINGS, 1);
    expect(records(off.text)).toEqual([]);
  });

  it('lets exclusions win and leaves out names a stronger parent already covers', () => {
    const entries = [
      domain('evil.example'),
      domain('log.evil.example', 'XOPS'),
      domain('a.ok.evil.example'),
      domain('quiet.example', 'XOPS'),
      domain('loud.quiet.example'),
    ];
    const exclusions = [
      { type: 'DOMAIN' as const, value: 'ok.evil.example' },
      { type: 'HOST' as const, value: 'pc' },
    ];
    const { text } = rpzZone(entries, exclusions, settings, 1);
    expect(records(text)).toEqual([
      'evil.example CNAME .',
      '*.evil.example CNAME .',
      'loud.quiet.example CNAME .',
      '*.loud.quiet.example CNAME .',
      'ok.evil.example CNAME rpz-passthru.',
      '*.ok.evil.example CNAME rpz-passthru.',
      'quiet.example CNAME rpz-passthru.',
      '*.quiet.example CNAME rpz-passthru.',
    ]);
    // The most specific record always gives the matcher's answer.
    const matcher = Matcher.build(entries, exclusions);
    for (const name of [
      'evil.example',
      'x.log.evil.example',
      'b.a.ok.evil.example',
      'quiet.example',
      'x.loud.quiet.example',
      'other.example',
    ]) {
      const decision = matcher.check(
        { direction: 'outbound', srcIp: '10.0.0.1', dstIp: '192.0.2.1', domain: name },
        settings,
      );
      const expected = decision.action === 'allow' ? (decision.excludedBy ? 'log' : 'pass') : decision.action;
      expect([name, resolverAction(text, name)]).toEqual([name, expected]);
    }
  });
});

describe('RpzWriter', () => {
  it('writes the zone atomically with increasing serials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-rpz-'));
    try {
      const path = join(dir, 'threatline.rpz');
      const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
      const writer = new RpzWriter(path, log);
      const serials: number[] = [];
      for (let i = 0; i < 3; i++) {
        void writer.update((serial) => {
          serials.push(serial);
          return rpzZone([domain(`d${i}.example`)], [], settings, serial);
        });
      }
      await writer.idle();
      expect(readFileSync(path, 'utf8')).toContain('d2.example CNAME .');
      expect(serials.length).toBeLessThanOrEqual(3);
      expect([...serials].sort((a, b) => a - b)).toEqual(serials);
      expect(readdirSync(dir)).toEqual(['threatline.rpz']);
      expect(writer.lastCounts).toEqual({ drop: 1, log: 0, passthru: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
