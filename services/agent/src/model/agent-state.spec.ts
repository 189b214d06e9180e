import { checksumItemOf, parseStreamId } from '@threatline/protocol';
import { describe, expect, it } from 'vitest';
import { AgentState } from './agent-state';
import { checksumItem, streamShape } from './stream-entry';
import { deltas, excl, ioc, makeStreamIds, settings, snapshot } from './streams.test-support';

const outbound = (fields: { dstIp?: string; domain?: string; url?: string; host?: string }) => ({
  direction: 'outbound' as const,
  srcIp: '10.0.0.1',
  dstIp: fields.dstIp ?? '192.0.2.1',
  ...(fields.domain === undefined ? {} : { domain: fields.domain }),
  ...(fields.url === undefined ? {} : { url: fields.url }),
  ...(fields.host === undefined ? {} : { endpoint: { host: fields.host } }),
});

function stateWith(ids = makeStreamIds()) {
  const state = AgentState.empty();
  state.holdStreams(Object.values(ids));
  return { state, ids };
}

function decide(state: AgentState, traffic: ReturnType<typeof outbound>) {
  return state.matcher.check(traffic, state.settings);
}

describe('AgentState', () => {
  it('drops an MDR address, a subdomain of an MDR domain and a URL under an MDR URL after a snapshot', async () => {
    const { state, ids } = stateWith();
    const entries = [
      ioc('ipv4', '203.0.113.9'),
      ioc('domain', 'evil.example'),
      ioc('url', 'bad.example/dl/'),
    ];
    expect((await state.applySnapshot(snapshot(ids.tenant, entries))).status).toBe('applied');
    expect(decide(state, outbound({ dstIp: '203.0.113.9' })).action).toBe('drop');
    expect(decide(state, outbound({ domain: 'a.evil.example' })).action).toBe('drop');
    expect(decide(state, outbound({ url: 'http://bad.example/dl/x.exe' })).action).toBe('drop');
    expect(decide(state, outbound({ domain: 'good.example' })).action).toBe('allow');
    expect(state.stream(ids.tenant)).toMatchObject({ epoch: 1, seq: 3 });
  });

  it('applies deltas in order and follows their checksum', async () => {
    const { state, ids } = stateWith();
    const base = [ioc('ipv4', '203.0.113.9')];
    await state.applySnapshot(snapshot(ids.tenant, base, 1));
    const frame = deltas(ids.tenant, base, 2, [
      { op: 'upsert', entry: ioc('domain', 'evil.example') },
      { op: 'remove', key: 'ipv4:203.0.113.9' },
    ]);
    const outcome = state.applyDeltas(frame);
    expect(outcome).toEqual({
      status: 'applied',
      changes: { addresses: true, domains: true, exclusions: false, settings: false },
    });
    expect(state.stream(ids.tenant)!.checksum).toBe(frame.checksum);
    expect(state.stream(ids.tenant)!.seq).toBe(3);
    expect(decide(state, outbound({ dstIp: '203.0.113.9' })).action).toBe('allow');
    expect(decide(state, outbound({ domain: 'evil.example' })).action).toBe('drop');
    expect(state.applyDeltas(frame)).toEqual({ status: 'already-applied' });
  });

  it('refuses a batch whose checksum differs, a gap and another epoch, and changes nothing', async () => {
    const { state, ids } = stateWith();
    const base = [ioc('ipv4', '203.0.113.9')];
    await state.applySnapshot(snapshot(ids.tenant, base, 1));
    const before = state.stream(ids.tenant)!.checksum;
    const bad = { ...deltas(ids.tenant, base, 2, [{ op: 'upsert', entry: ioc('ipv4', '203.0.113.10') }]) };
    bad.checksum = '0123456789abcdef';
    expect(state.applyDeltas(bad).status).toBe('resync');
    const gap = deltas(ids.tenant, base, 3, [{ op: 'upsert', entry: ioc('ipv4', '203.0.113.10') }]);
    expect(state.applyDeltas(gap).status).toBe('resync');
    const otherEpoch = deltas(ids.tenant, base, 2, [{ op: 'upsert', entry: ioc('ipv4', '203.0.113.10') }], 2);
    expect(state.applyDeltas(otherEpoch).status).toBe('resync');
    expect(state.stream(ids.tenant)).toMatchObject({ seq: 1, checksum: before });
    expect(decide(state, outbound({ dstIp: '203.0.113.10' })).action).toBe('allow');
  });

  it('refuses a snapshot holding a value that is not normalized, keeping the stream as it was', async () => {
    const { state, ids } = stateWith();
    await state.applySnapshot(snapshot(ids.tenant, [ioc('ipv4', '203.0.113.9')], 1));
    const outcome = await state.applySnapshot(snapshot(ids.tenant, [ioc('domain', 'EVIL..example')], 5));
    expect(outcome.status).toBe('resync');
    expect(state.stream(ids.tenant)).toMatchObject({ seq: 1 });
    expect(decide(state, outbound({ dstIp: '203.0.113.9' })).action).toBe('drop');
  });

  it('keeps a value held by the tenant and the group stream until both remove it, preferring non-dry-run', async () => {
    const { state, ids } = stateWith();
    const dry = ioc('ipv4', '203.0.113.9', 'MDR-20261124-BBBBBBBB', true);
    const live = ioc('ipv4', '203.0.113.9', 'MDR-20261120-AAAAAAAA', false);
    await state.applySnapshot(snapshot(ids.group, [dry], 1));
    expect(decide(state, outbound({ dstIp: '203.0.113.9' })).action).toBe('log');
    await state.applySnapshot(snapshot(ids.tenant, [live], 1));
    const drop = decide(state, outbound({ dstIp: '203.0.113.9' }));
    expect(drop).toMatchObject({ action: 'drop', matches: [{ auditId: 'MDR-20261120-AAAAAAAA' }] });
    state.applyDeltas(deltas(ids.tenant, [live], 2, [{ op: 'remove', key: live.key }]));
    expect(decide(state, outbound({ dstIp: '203.0.113.9' }))).toMatchObject({
      action: 'log',
      matches: [{ auditId: 'MDR-20261124-BBBBBBBB', dryRun: true }],
    });
    state.applyDeltas(deltas(ids.group, [dry], 2, [{ op: 'remove', key: dry.key }]));
    expect(decide(state, outbound({ dstIp: '203.0.113.9' })).action).toBe('allow');
  });

  it('lets exclusions win, and follows the settings stream (defaults before it arrives)', async () => {
    const { state, ids } = stateWith();
    await state.applySnapshot(snapshot(ids.tenant, [ioc('domain', 'evil.example')]));
    await state.applySnapshot(snapshot(ids.xops, [ioc('domain', 'xops.example', 'XOPS-20261123-AAAAAAAA')]));
    expect(state.settings.xops.enabled).toBe(false);
    expect(decide(state, outbound({ domain: 'xops.example' })).action).toBe('allow');
    await state.applySnapshot(
      snapshot(ids.settings, [settings({ mdr: { enabled: true, action: 'LOG_ONLY' } })]),
    );
    expect(decide(state, outbound({ domain: 'evil.example' })).action).toBe('log');
    expect(decide(state, outbound({ domain: 'xops.example' })).action).toBe('drop');
    const exclusions = [excl({ type: 'DOMAIN', value: 'ok.evil.example' })];
    const outcome = await state.applySnapshot(snapshot(ids.exclusions, exclusions));
    expect(outcome).toMatchObject({ status: 'applied', changes: { exclusions: true } });
    expect(decide(state, outbound({ domain: 'a.ok.evil.example' }))).toMatchObject({
      action: 'allow',
      excludedBy: { type: 'DOMAIN', value: 'ok.evil.example' },
    });
    state.applyDeltas(deltas(ids.exclusions, exclusions, 2, [{ op: 'remove', key: exclusions[0]!.key }]));
    expect(decide(state, outbound({ domain: 'a.ok.evil.example' })).action).toBe('log');
  });

  it('forgets a stream it no longer holds (a move to another group)', async () => {
    const { state, ids } = stateWith();
    await state.applySnapshot(snapshot(ids.group, [ioc('ipv4', '203.0.113.9')]));
    const changes = state.holdStreams([
      ids.tenant,
      ids.xops,
      ids.exclusions,
      ids.settings,
      'mdr:g:' + '0'.repeat(8) + '-0000-0000-0000-' + '0'.repeat(12),
    ]);
    expect(changes.addresses).toBe(true);
    expect(state.stream(ids.group)).toBeUndefined();
    expect(decide(state, outbound({ dstIp: '203.0.113.9' })).action).toBe('allow');
    expect((await state.applySnapshot(snapshot(ids.group, [ioc('ipv4', '203.0.113.9')]))).status).toBe(
      'ignored',
    );
  });

  it('reaches the same matcher through a rebuild as through deltas', async () => {
    const { state, ids } = stateWith();
    const many = Array.from({ length: 25_000 }, (_, i) =>
      ioc('ipv4', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`),
    );
    await state.applySnapshot(snapshot(ids.xops, many.slice(0, 10)));
    await state.applySnapshot(snapshot(ids.tenant, many));
    const derived = AgentState.derive(state.streams);
    expect(state.matcher.checksums()).toEqual(derived.matcher.checksums());
    expect(state.matcher.stats().ipv4).toBe(25_000);
  });

  it('takes a large snapshot wholesale: the same state as deltas, its changes reported, a bad one changing nothing', async () => {
    const { state, ids } = stateWith();
    const addresses = Array.from({ length: 25_000 }, (_, i) =>
      ioc('ipv4', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`),
    );
    const domains = Array.from({ length: 25_000 }, (_, i) => ioc('domain', `d${i}.example`));
    expect(await state.applySnapshot(snapshot(ids.tenant, addresses))).toEqual({
      status: 'applied',
      changes: { addresses: true, domains: false, exclusions: false, settings: false },
    });
    // Replacing every address by domains touches both kinds.
    expect(await state.applySnapshot(snapshot(ids.tenant, domains, 25_001, 2))).toEqual({
      status: 'applied',
      changes: { addresses: true, domains: true, exclusions: false, settings: false },
    });
    expect(state.matcher.checksums()).toEqual(AgentState.derive(state.streams).matcher.checksums());
    expect(state.matcher.stats()).toMatchObject({ ipv4: 0, domain: 25_000 });
    expect(state.stream(ids.tenant)).toMatchObject({ epoch: 2, seq: 25_001 });

    const unnormalized = [...addresses, ioc('domain', 'UPPER.example')];
    const outcome = await state.applySnapshot(snapshot(ids.tenant, unnormalized, 30_000, 3));
    expect(outcome.status).toBe('resync');
    expect(state.stream(ids.tenant)).toMatchObject({ epoch: 2, seq: 25_001 });
    expect(state.stream(ids.tenant)!.checksum).toBe(snapshot(ids.tenant, domains).checksum);
    expect(decide(state, outbound({ domain: 'd7.example' })).action).toBe('drop');
    expect(decide(state, outbound({ dstIp: '10.0.0.7' })).action).toBe('allow');
  });

  it('keeps deciding on the matcher it has while it reads a large snapshot', async () => {
    const { state, ids } = stateWith();
    await state.applySnapshot(snapshot(ids.tenant, [ioc('ipv4', '203.0.113.9')], 1));
    const domains = Array.from({ length: 40_000 }, (_, i) => ioc('domain', `d${i}.example`));
    let applied = false;
    const applying = state
      .applySnapshot(snapshot(ids.tenant, domains, 40_000, 2))
      .then(() => (applied = true));
    let decisionsMeanwhile = 0;
    while (!applied) {
      expect(decide(state, outbound({ dstIp: '203.0.113.9' })).action).toBe('drop');
      decisionsMeanwhile++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await applying;
    expect(decisionsMeanwhile).toBeGreaterThan(1);
    expect(decide(state, outbound({ dstIp: '203.0.113.9' })).action).toBe('allow');
    expect(decide(state, outbound({ domain: 'd39999.example' })).action).toBe('drop');
  });

  it('sums entries exactly as the protocol does', () => {
    const ids = makeStreamIds();
    const cases = [
      [ids.tenant, ioc('url', 'evil.example/a?b=c', 'MDR-1', true)],
      [ids.xops, ioc('cidr', '10.0.0.0/8', 'XOPS-1')],
      [ids.exclusions, excl({ type: 'HOST', value: 'pc-1' })],
      [ids.settings, settings()],
    ] as const;
    for (const [stream, entry] of cases) {
      expect(checksumItem(streamShape(stream)!, entry)).toBe(checksumItemOf(stream, entry));
    }
  });

  it('reads stream ids as the protocol does', () => {
    const ids = [...Object.values(makeStreamIds()), 'xops2', 'mdr:x:1', 'exc:g:NOT-A-UUID', 'set:f:', ''];
    for (const id of ids) {
      const parsed = parseStreamId(id);
      const expected =
        parsed === null
          ? null
          : parsed.kind === 'indicators'
            ? { kind: parsed.kind, source: parsed.source }
            : { kind: parsed.kind };
      expect(streamShape(id)).toEqual(expected);
    }
  });
});
