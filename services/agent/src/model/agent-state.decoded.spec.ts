import { decodeSnapshot } from '@threatline/agent-client';
import { Matcher } from '@threatline/matcher';
import {
  encodeIndicatorBinarySnapshot,
  encodeSnapshotBody,
  encodeSnapshotFrame,
  snapshotColumnsOf,
  stateChecksumOf,
  type SnapshotBodyFormat,
  type SnapshotMessage,
  type IndicatorEntry,
  type StreamEntry,
} from '@threatline/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentState, type DecodedSnapshotFrame } from './agent-state';
import { deltas, ioc, makeStreamIds, snapshot } from './streams.test-support';

const outbound = (fields: { dstIp?: string; domain?: string }) => ({
  direction: 'outbound' as const,
  srcIp: '10.0.0.1',
  dstIp: fields.dstIp ?? '192.0.2.1',
  ...(fields.domain === undefined ? {} : { domain: fields.domain }),
});

/**
 * The snapshot message the agent's connection gets: encoded as the gateway does (an indicator stream's body as
 * indicators-bin-v1 unless `format` says otherwise), decoded by agent-client.
 */
async function decoded(
  stream: string,
  entries: StreamEntry[],
  options: { seq?: number; epoch?: number; checksum?: string; format?: SnapshotBodyFormat } = {},
): Promise<SnapshotMessage> {
  const position = {
    type: 'snapshot' as const,
    v: 1 as const,
    stream,
    epoch: options.epoch ?? 1,
    seq: options.seq ?? entries.length,
    checksum: options.checksum ?? stateChecksumOf(stream, entries),
  };
  const format = options.format ?? 'indicators-bin-v1';
  const bytes =
    format === 'indicators-bin-v1' ? encodeIndicatorBinarySnapshot({ ...position, entries }) : null;
  const body =
    bytes !== null
      ? { format, bytes }
      : format === 'entries-v1'
        ? { format, bytes: Buffer.from(JSON.stringify(entries)) }
        : {
            format: encodeSnapshotBody(stream, entries).format,
            bytes: Buffer.from(encodeSnapshotBody(stream, entries).text),
          };
  const header = { ...position, count: entries.length, format: body.format, encoding: 'identity' as const };
  const result = await decodeSnapshot(Buffer.from(encodeSnapshotFrame(header, body.bytes)));
  if (!result.ok) throw new Error(result.error.message);
  return result.message;
}

/** Applies a decoded snapshot as the stream connection does: with the columns of an indicator columns-v1 body. */
const applyDecoded = (state: AgentState, message: SnapshotMessage) =>
  state.applyDecodedSnapshot(message, snapshotColumnsOf(message));

/** A third each of addresses, domains and URLs: enough for a rebuild of the matcher (20,000 keys or more). */
function mixed(count: number, auditId = 'MDR-20261123-AAAAAAAA'): StreamEntry[] {
  return Array.from({ length: count }, (_, i) =>
    i % 3 === 0
      ? ioc('ipv4', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, auditId)
      : i % 3 === 1
        ? ioc('domain', `host${i}.example`, auditId, i % 7 === 0)
        : ioc('url', `bad${i % 50}.example/p/${i}`, auditId),
  );
}

function stateWith() {
  const ids = makeStreamIds();
  const state = AgentState.empty();
  state.holdStreams(Object.values(ids));
  return { state, ids };
}

/**
 * A state whose tenant stream holds one address (at epoch 1, seq 1), and a check that a refused snapshot left it
 * so: the same matcher, the same stream position and checksum, the address still dropped, nothing else dropped.
 */
async function stateWithOneAddress() {
  const { state, ids } = stateWith();
  const before = [ioc('ipv4', '203.0.113.9')];
  await applyDecoded(state, await decoded(ids.tenant, before));
  const matcher = state.matcher;
  const expectUnchanged = () => {
    expect(state.matcher).toBe(matcher);
    expect(state.stream(ids.tenant)).toMatchObject({
      epoch: 1,
      seq: 1,
      checksum: stateChecksumOf(ids.tenant, before),
    });
    expect(state.matcher.check(outbound({ dstIp: '203.0.113.9' }), state.settings).action).toBe('drop');
    for (const domain of ['evil.example', 'host1.example'])
      expect(state.matcher.check(outbound({ domain }), state.settings).action).toBe('allow');
  };
  return { state, ids, expectUnchanged };
}

const sortedEntries = (state: AgentState) =>
  state.matcher.entries().sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));

describe.each(['columns-v1', 'indicators-bin-v1'] as const)(
  'AgentState.applyDecodedSnapshot, %s bodies',
  (format) => {
    /** A snapshot as the connection gets it, its indicators in this round's columns format. */
    const decodedAs: typeof decoded = (stream, entries, options = {}) =>
      decoded(stream, entries, { format, ...options });

    for (const size of [30, 30_000]) {
      it(`gives the matcher a fresh build of the same streams gives, and the state the parsing path gives (${size} entries)`, async () => {
        const { state, ids } = stateWith();
        const parsed = stateWith();
        const xops = [ioc('domain', 'xops.example', 'XOPS-20261123-AAAAAAAA')];
        const tenant = mixed(size);
        for (const [stream, entries] of [
          [ids.xops, xops],
          [ids.tenant, tenant],
        ] as const) {
          expect((await applyDecoded(state, await decodedAs(stream, entries))).status).toBe('applied');
          const same = stream === ids.xops ? parsed.ids.xops : parsed.ids.tenant;
          expect((await parsed.state.applySnapshot(snapshot(same, entries))).status).toBe('applied');
        }
        const fresh = AgentState.derive(state.streams);
        expect(state.matcher.checksums()).toEqual(fresh.matcher.checksums());
        expect(sortedEntries(state)).toEqual(sortedEntries(fresh));
        expect(state.matcher.checksums()).toEqual(parsed.state.matcher.checksums());
        expect(state.stream(ids.tenant)).toMatchObject({
          epoch: 1,
          seq: size,
          checksum: stateChecksumOf(ids.tenant, tenant),
        });
        expect(new Map(state.stream(ids.tenant)!.entries)).toEqual(new Map(tenant.map((e) => [e.key, e])));
        expect(state.matcher.check(outbound({ domain: 'host1.example' }), state.settings).action).toBe(
          'drop',
        );
      });
    }

    it('reads an entries-v1 body as a columns-v1 one, and holds one copy of each audit ID', async () => {
      const { state, ids } = stateWith();
      const tenant = mixed(300);
      const outcome = await state.applyDecodedSnapshot(
        await decodedAs(ids.tenant, tenant, { format: 'entries-v1' }),
      );
      expect(outcome.status).toBe('applied');
      expect(state.stream(ids.tenant)!.checksum).toBe(stateChecksumOf(ids.tenant, tenant));
      const auditIds = [...state.stream(ids.tenant)!.entries.values()].map(
        (e) => (e as { auditId: string }).auditId,
      );
      // One interned string: a later snapshot's entries carry the very same one.
      const again = stateWith();
      await applyDecoded(again.state, await decodedAs(again.ids.tenant, tenant, { format: 'entries-v1' }));
      const first = [...again.state.stream(again.ids.tenant)!.entries.values()][0] as { auditId: string };
      expect(new Set(auditIds)).toEqual(new Set([first.auditId]));
    });

    for (const size of [30, 30_000]) {
      it(`refuses a snapshot whose checksum differs, naming both, and changes nothing (${size} entries)`, async () => {
        const { state, ids, expectUnchanged } = await stateWithOneAddress();
        const bad = await decodedAs(ids.tenant, mixed(size), {
          seq: 40_000,
          epoch: 2,
          checksum: '0123456789abcdef',
        });
        const outcome = await state.applyDecodedSnapshot(bad);
        expect(outcome).toEqual({
          status: 'resync',
          reason: expect.stringMatching(
            new RegExp(
              `^snapshot of ${ids.tenant} at seq 40000: checksum [0-9a-f]{16}, the service says 0123456789abcdef$`,
            ),
          ),
        });
        expectUnchanged();
      });
    }

    it('refuses a key twice in a frame that did not come from the decoder, and changes nothing', async () => {
      const { state, ids, expectUnchanged } = await stateWithOneAddress();
      const twice = [ioc('domain', 'evil.example'), ioc('domain', 'evil.example', 'MDR-20261124-BBBBBBBB')];
      const frame: DecodedSnapshotFrame = {
        stream: ids.tenant,
        epoch: 2,
        seq: 2,
        checksum: stateChecksumOf(ids.tenant, twice),
        entries: twice,
      };
      expect(await state.applyDecodedSnapshot(frame)).toEqual({
        status: 'resync',
        reason: `snapshot of ${ids.tenant}: holds domain:evil.example twice`,
      });
      expectUnchanged();
    });

    for (const size of [30, 30_000]) {
      it(`refuses a value that is not normalized, which the decoder lets through, and changes nothing (${size} entries)`, async () => {
        const { state, ids, expectUnchanged } = await stateWithOneAddress();
        const entries = [...mixed(size), ioc('domain', 'UPPER.example')];
        const outcome = await applyDecoded(state, await decodedAs(ids.tenant, entries, { epoch: 2 }));
        expect(outcome).toMatchObject({
          status: 'resync',
          reason: expect.stringContaining(`snapshot of ${ids.tenant}`),
        });
        expectUnchanged();
      });
    }

    it('refuses a key twice in a large snapshot (a matcher rebuild) that did not come from the decoder, and changes nothing', async () => {
      const { state, ids, expectUnchanged } = await stateWithOneAddress();
      const twice = [
        ...mixed(30_000),
        ioc('domain', 'evil.example'),
        ioc('domain', 'evil.example', 'MDR-20261124-BBBBBBBB'),
      ];
      const frame: DecodedSnapshotFrame = {
        stream: ids.tenant,
        epoch: 2,
        seq: twice.length,
        checksum: stateChecksumOf(ids.tenant, twice),
        entries: twice,
      };
      expect(await state.applyDecodedSnapshot(frame)).toEqual({
        status: 'resync',
        reason: `snapshot of ${ids.tenant}: holds domain:evil.example twice`,
      });
      expectUnchanged();
    });

    it('takes a large snapshot holding a value both as a network and as a URL with the checksum of all its entries, as the parsing path does', async () => {
      const { state, ids } = stateWith();
      const parsed = stateWith();
      const entries = [
        ...mixed(30_000),
        ioc('cidr', '198.51.100.0/24'),
        ioc('url', '198.51.100.0/24', 'MDR-20261124-BBBBBBBB'),
      ];
      expect((await applyDecoded(state, await decodedAs(ids.tenant, entries))).status).toBe('applied');
      expect((await parsed.state.applySnapshot(snapshot(parsed.ids.tenant, entries))).status).toBe('applied');
      expect(state.stream(ids.tenant)!.checksum).toBe(stateChecksumOf(ids.tenant, entries));
      expect(state.matcher.checksums()).toEqual(parsed.state.matcher.checksums());
      expect(state.matcher.checksums().mdr).not.toBe(state.stream(ids.tenant)!.checksum);
      expect(sortedEntries(state)).toEqual(sortedEntries(AgentState.derive(state.streams)));
    });

    it('builds the same matcher as a fresh build when the other source comes from two streams, and when its own does', async () => {
      const { state, ids } = stateWith();
      const parsed = stateWith();
      const group = [
        ioc('domain', 'host1.example', 'MDR-20261124-BBBBBBBB', true),
        ioc('ipv4', '192.0.2.77'),
      ];
      const frames = [
        [ids.group, parsed.ids.group, group],
        // MDR from two streams: the tenant's snapshot is read by key.
        [ids.tenant, parsed.ids.tenant, mixed(30_000)],
        // X-Ops from one stream, MDR's entries in effect from two.
        [ids.xops, parsed.ids.xops, mixed(24_000, 'XOPS-20261123-AAAAAAAA')],
      ] as const;
      for (const [stream, same, entries] of frames) {
        expect((await applyDecoded(state, await decodedAs(stream, [...entries]))).status).toBe('applied');
        expect((await parsed.state.applySnapshot(snapshot(same, [...entries]))).status).toBe('applied');
        expect(state.matcher.checksums()).toEqual(parsed.state.matcher.checksums());
        expect(sortedEntries(state)).toEqual(sortedEntries(AgentState.derive(state.streams)));
      }
    });

    it('reports what a large snapshot touched, for the derived views: its own types and those it replaced', async () => {
      const { state, ids } = stateWith();
      const domains = Array.from({ length: 25_000 }, (_, i) => ioc('domain', `d${i}.example`));
      const addresses = Array.from({ length: 25_000 }, (_, i) =>
        ioc('ipv4', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`),
      );
      const touched = async (entries: StreamEntry[], epoch: number) =>
        (await applyDecoded(state, await decodedAs(ids.tenant, entries, { epoch }))) as { changes: object };
      expect((await touched(domains, 1)).changes).toEqual({
        addresses: false,
        domains: true,
        exclusions: false,
        settings: false,
      });
      // Addresses replace the domains: both views change.
      expect((await touched(addresses, 2)).changes).toMatchObject({ addresses: true, domains: true });
      expect((await touched(mixed(30_000), 3)).changes).toMatchObject({ addresses: true, domains: true });
    });

    it('applies deltas after a large snapshot taken as a list, indexing its keys then', async () => {
      const { state, ids } = stateWith();
      const tenant = mixed(30_000);
      await applyDecoded(state, await decodedAs(ids.tenant, tenant));
      const frame = deltas(ids.tenant, tenant, tenant.length + 1, [
        { op: 'remove', key: tenant[1]!.key },
        { op: 'upsert', entry: ioc('domain', 'later.example') },
      ]);
      expect(state.applyDeltas(frame).status).toBe('applied');
      expect(state.stream(ids.tenant)).toMatchObject({ seq: tenant.length + 2, checksum: frame.checksum });
      expect(new Map(state.stream(ids.tenant)!.entries)).toEqual(new Map(frame.after.map((e) => [e.key, e])));
      expect(state.matcher.check(outbound({ domain: 'later.example' }), state.settings).action).toBe('drop');
      expect(state.matcher.check(outbound({ domain: 'host1.example' }), state.settings).action).toBe('allow');
    });

    it('keeps deciding on the matcher it has while it reads a large snapshot', async () => {
      const { state, ids } = stateWith();
      await applyDecoded(state, await decodedAs(ids.tenant, [ioc('ipv4', '203.0.113.9')]));
      let applied = false;
      const applying = applyDecoded(state, await decodedAs(ids.tenant, mixed(40_000), { epoch: 2 })).then(
        () => (applied = true),
      );
      let decisionsMeanwhile = 0;
      while (!applied) {
        expect(state.matcher.check(outbound({ dstIp: '203.0.113.9' }), state.settings).action).toBe('drop');
        decisionsMeanwhile++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await applying;
      expect(decisionsMeanwhile).toBeGreaterThan(1);
      expect(state.matcher.check(outbound({ dstIp: '203.0.113.9' }), state.settings).action).toBe('allow');
      expect(state.matcher.check(outbound({ domain: 'host1.example' }), state.settings).action).toBe('drop');
    });

    it("builds a large snapshot from the decoder's columns without reading its entries, making them only when read", async () => {
      const { state, ids } = stateWith();
      const tenant = mixed(30_000);
      const message = await decodedAs(ids.tenant, tenant);
      const frame: DecodedSnapshotFrame = {
        stream: message.stream,
        epoch: message.epoch,
        seq: message.seq,
        checksum: message.checksum,
        get entries(): StreamEntry[] {
          throw new Error('the entries were read');
        },
      };
      expect((await state.applyDecodedSnapshot(frame, snapshotColumnsOf(message))).status).toBe('applied');
      expect(state.matcher.check(outbound({ domain: 'host1.example' }), state.settings).action).toBe('drop');
      const held = state.stream(ids.tenant)!;
      expect(held).toMatchObject({ size: tenant.length, checksum: stateChecksumOf(ids.tenant, tenant) });
      expect([...held.values()]).toEqual(tenant);
      expect(sortedEntries(state)).toEqual(sortedEntries(AgentState.derive(state.streams)));
    });

    it('refuses a key twice in large columns that did not come from the decoder, and changes nothing', async () => {
      const { state, ids, expectUnchanged } = await stateWithOneAddress();
      const twice = [
        ...mixed(30_000),
        ioc('domain', 'evil.example'),
        ioc('domain', 'evil.example', 'MDR-20261124-BBBBBBBB'),
      ];
      const unique = await decodedAs(ids.tenant, twice.slice(0, -1));
      const columns = snapshotColumnsOf(unique)!;
      const last = twice.at(-1) as { key: string; type: 'domain'; value: string; auditId: string };
      const withTwice = {
        count: columns.count + 1,
        keys: columns.keys && [...columns.keys, last.key],
        types: [...columns.types, last.type],
        values: [...columns.values, last.value],
        auditIds: [...columns.auditIds, last.auditId],
        audit: Uint32Array.from([...columns.audit, columns.auditIds.length]),
        dryRun: Uint8Array.from([...columns.dryRun, 0]),
      };
      const frame: DecodedSnapshotFrame = {
        stream: ids.tenant,
        epoch: 2,
        seq: twice.length,
        checksum: stateChecksumOf(ids.tenant, twice),
        entries: twice,
      };
      expect(await state.applyDecodedSnapshot(frame, withTwice)).toEqual({
        status: 'resync',
        reason: `snapshot of ${ids.tenant}: holds domain:evil.example twice`,
      });
      expectUnchanged();
    });
  },
);

/** Normalized indicators outside mixed()'s values: 172.16/12 addresses, /24 networks, domains and URLs under .test. */
const extraArb = fc.uniqueArray(
  fc.oneof(
    fc
      .tuple(fc.integer({ min: 16, max: 31 }), fc.nat(255), fc.nat(255))
      .map(([b, c, d]) => ioc('ipv4', `172.${b}.${c}.${d}`)),
    fc.tuple(fc.nat(255), fc.nat(255)).map(([b, c]) => ioc('cidr', `100.${b}.${c}.0/24`)),
    fc
      .tuple(fc.stringMatching(/^[a-z0-9-]{1,12}$/), fc.boolean())
      .filter(([label]) => !label.startsWith('-') && !label.endsWith('-'))
      .map(([label, dryRun]) => ioc('domain', `${label}.test`, 'MDR-20261124-BBBBBBBB', dryRun)),
    fc
      .tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[A-Za-z0-9._~%-]{0,20}$/))
      .map(([host, path]) => ioc('url', `${host}.test/${path}`, 'MDR-20261125-CCCCCCCC')),
  ),
  { maxLength: 60, selector: (entry) => entry.key },
);

describe('an indicators-bin-v1 snapshot', () => {
  it("gives the agent the matcher Matcher.build gives for the same entries, and the stream the server's checksum", async () => {
    const base = mixed(20_000);
    await fc.assert(
      fc.asyncProperty(extraArb, fc.boolean(), async (extra, sorted) => {
        const entries = [...base, ...extra] as IndicatorEntry[];
        if (sorted) entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        const { state, ids } = stateWith();
        const message = await decoded(ids.tenant, entries);
        expect(snapshotColumnsOf(message)?.keys).toBeUndefined();
        expect((await applyDecoded(state, message)).status).toBe('applied');
        const expected = Matcher.build(
          entries.map(({ value, type, auditId, dryRun }) => ({
            value,
            type,
            source: 'MDR',
            auditId,
            dryRun,
          })),
        );
        expect(state.matcher.checksums()).toEqual(expected.checksums());
        expect(state.matcher.entries()).toEqual(expected.entries());
        expect(Buffer.compare(state.matcher.serialize(), expected.serialize())).toBe(0);
        expect(state.stream(ids.tenant)!.checksum).toBe(stateChecksumOf(ids.tenant, entries));
        expect([...state.stream(ids.tenant)!.values()]).toEqual(entries);
      }),
      { numRuns: 8 },
    );
  }, 60_000);
});
