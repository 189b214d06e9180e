import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { streamIdArb, uuidArb } from './arbitraries.test-support';
import {
  XOPS_STREAM_ID,
  exclusionStreamId,
  indicatorSourceOf,
  isStreamId,
  mdrGroupStreamId,
  mdrTenantStreamId,
  parseStreamId,
  settingsStreamId,
  streamKindOf,
  streamsOfFirewall,
} from './stream-ids';

const T = '11111111-1111-4111-8111-111111111111';
const G = '22222222-2222-4222-8222-222222222222';
const F = '33333333-3333-4333-8333-333333333333';

describe('stream ids', () => {
  it('names the five streams of a firewall, in a fixed order', () => {
    expect(streamsOfFirewall({ tenantId: T, groupId: G, firewallId: F })).toEqual([
      `mdr:t:${T}`,
      `mdr:g:${G}`,
      'xops',
      `exc:g:${G}`,
      `set:f:${F}`,
    ]);
  });

  it('parses what the builders make, with the owner and the kind', () => {
    expect(parseStreamId(mdrTenantStreamId(T))).toEqual({
      kind: 'indicators',
      source: 'MDR',
      scope: 'tenant',
      tenantId: T,
    });
    expect(parseStreamId(mdrGroupStreamId(G))).toEqual({
      kind: 'indicators',
      source: 'MDR',
      scope: 'group',
      groupId: G,
    });
    expect(parseStreamId(XOPS_STREAM_ID)).toEqual({ kind: 'indicators', source: 'XOPS', scope: 'global' });
    expect(parseStreamId(exclusionStreamId(G))).toEqual({ kind: 'exclusions', groupId: G });
    expect(parseStreamId(settingsStreamId(F))).toEqual({ kind: 'settings', firewallId: F });
    expect(indicatorSourceOf(mdrGroupStreamId(G))).toBe('MDR');
    expect(indicatorSourceOf(XOPS_STREAM_ID)).toBe('XOPS');
    fc.assert(
      fc.property(streamIdArb, (id) => {
        expect(isStreamId(id)).toBe(true);
      }),
    );
  });

  it('refuses anything else', () => {
    for (const bad of [
      '',
      'XOPS',
      'xops:',
      `mdr:t:${'aaaaaaaa-1111-4111-8111-111111111111'.toUpperCase()}`,
      `mdr:x:${T}`,
      `mdr:t:${T}x`,
      `exc:g:`,
      `set:f:${T} `,
    ]) {
      expect(parseStreamId(bad)).toBeNull();
    }
    expect(() => mdrTenantStreamId('not-a-uuid')).toThrow(RangeError);
    expect(() => streamKindOf('nope')).toThrow(RangeError);
    expect(() => indicatorSourceOf(settingsStreamId(F))).toThrow(RangeError);
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = parseStreamId(text);
        if (parsed !== null) expect(streamKindOf(text)).toBe(parsed.kind);
      }),
    );
    fc.assert(
      fc.property(uuidArb, (id) => {
        expect(isStreamId(`exc:g:${id}`)).toBe(true);
      }),
    );
  });
});
