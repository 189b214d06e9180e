// fast-check arbitraries of valid protocol values, for this library's property tests and for the gateway's and the
// agent's (import them by relative path from a spec).

import fc from 'fast-check';
import {
  exclusionEntry,
  indicatorEntry,
  settingsEntry,
  type ExclusionEntry,
  type IndicatorEntry,
  type SettingsEntry,
  type StreamEntry,
} from './entries';
import type { ClientMessage, Delta, ServerMessage } from './messages';
import {
  INDICATOR_TYPES,
  MATCHED_FIELDS,
  MODULE_ACTIONS,
  THREAT_EVENT_ACTIONS,
  THREAT_EVENT_MODULES,
  THREAT_EVENT_SOURCES,
  TRAFFIC_DIRECTIONS,
  type ThreatEvent,
} from './threat-event';
import {
  XOPS_STREAM_ID,
  exclusionStreamId,
  mdrGroupStreamId,
  mdrTenantStreamId,
  settingsStreamId,
  streamKindOf,
} from './stream-ids';

export const uuidArb = fc.uuid();
export const checksumArb = fc.stringMatching(/^[0-9a-f]{16}$/);
export const seqArb = fc.integer({ min: 0, max: 2 ** 40 });
export const epochArb = fc.integer({ min: 1, max: 1000 });

export const streamIdArb: fc.Arbitrary<string> = fc.oneof(
  uuidArb.map(mdrTenantStreamId),
  uuidArb.map(mdrGroupStreamId),
  fc.constant(XOPS_STREAM_ID),
  uuidArb.map(exclusionStreamId),
  uuidArb.map(settingsStreamId),
);

const valueArb = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' });

export const indicatorEntryArb: fc.Arbitrary<IndicatorEntry> = fc
  .record({
    type: fc.constantFrom('ipv4', 'cidr', 'domain', 'url'),
    value: valueArb,
    auditId: fc.stringMatching(/^MDR-\d{8}-[0-9A-Z]{8}$/),
    dryRun: fc.boolean(),
  })
  .map(indicatorEntry);

export const exclusionEntryArb: fc.Arbitrary<ExclusionEntry> = fc
  .record({ type: fc.constantFrom('IP', 'NETWORK', 'DOMAIN', 'URL', 'HOST'), value: valueArb })
  .map(exclusionEntry);

const moduleArb = fc.record({ enabled: fc.boolean(), action: fc.constantFrom('LOG_ONLY', 'LOG_AND_DROP') });
export const settingsEntryArb: fc.Arbitrary<SettingsEntry> = fc
  .record({ mdr: moduleArb, xops: moduleArb, localReporting: fc.boolean(), centralReporting: fc.boolean() })
  .map(settingsEntry);

export function entryArbFor(streamId: string): fc.Arbitrary<StreamEntry> {
  switch (streamKindOf(streamId)) {
    case 'indicators':
      return indicatorEntryArb;
    case 'exclusions':
      return exclusionEntryArb;
    case 'settings':
      return settingsEntryArb;
  }
}

/** Entries of one stream with distinct keys. */
export function entriesArbFor(streamId: string, maxLength = 8): fc.Arbitrary<StreamEntry[]> {
  return fc.uniqueArray(entryArbFor(streamId), { maxLength, selector: (entry) => entry.key });
}

/** Printable text without control characters, as the event schema wants it. */
const eventTextArb = (maxLength: number) =>
  // eslint-disable-next-line no-control-regex
  fc.string({ minLength: 1, maxLength }).filter((text) => !/[\u0000-\u001f\u007f]/.test(text));

export const threatEventArb: fc.Arbitrary<ThreatEvent> = fc
  .record(
    {
      id: uuidArb,
      occurredAt: fc
        .date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        })
        .map((date) => date.toISOString()),
      auditId: eventTextArb(64),
      source: fc.constantFrom(...THREAT_EVENT_SOURCES),
      module: fc.constantFrom(...THREAT_EVENT_MODULES),
      action: fc.constantFrom(...THREAT_EVENT_ACTIONS),
      dryRun: fc.boolean(),
      moduleAction: fc.constantFrom(...MODULE_ACTIONS),
      direction: fc.constantFrom(...TRAFFIC_DIRECTIONS),
      field: fc.constantFrom(...MATCHED_FIELDS),
      indicator: eventTextArb(100),
      indicatorType: fc.constantFrom(...INDICATOR_TYPES),
      srcIp: fc.ipV4(),
      dstIp: fc.ipV4(),
      domain: eventTextArb(253),
      url: eventTextArb(200),
      endpoint: fc.record(
        { host: eventTextArb(50), user: eventTextArb(50), process: eventTextArb(50) },
        { requiredKeys: [] },
      ),
    },
    {
      requiredKeys: [
        'id',
        'occurredAt',
        'auditId',
        'source',
        'module',
        'action',
        'dryRun',
        'moduleAction',
        'direction',
        'field',
        'indicator',
        'indicatorType',
        'srcIp',
        'dstIp',
      ],
    },
  )
  // A dry run never drops.
  .map((event) => (event.dryRun ? { ...event, action: 'log' as const } : event));

export const clientMessageArb: fc.Arbitrary<ClientMessage> = fc.oneof(
  fc.record({
    type: fc.constant('hello' as const),
    v: fc.constant(1 as const),
    agent: fc.record({ version: fc.string({ minLength: 1, maxLength: 64 }) }),
    streams: fc.array(
      fc.record({
        stream: streamIdArb,
        epoch: fc.integer({ min: 0, max: 1000 }),
        seq: seqArb,
        checksum: checksumArb,
      }),
      { maxLength: 5 },
    ),
  }),
  fc.record({
    type: fc.constant('ack' as const),
    v: fc.constant(1 as const),
    stream: streamIdArb,
    epoch: epochArb,
    seq: seqArb,
  }),
  fc.record({
    type: fc.constant('resync' as const),
    v: fc.constant(1 as const),
    stream: streamIdArb,
    reason: fc.string({ maxLength: 200 }),
  }),
  fc.record({
    type: fc.constant('events' as const),
    v: fc.constant(1 as const),
    batchId: fc.string({ minLength: 1, maxLength: 128 }),
    events: fc.array(threatEventArb, { minLength: 1, maxLength: 5 }),
  }),
);

const snapshotArb = streamIdArb.chain((stream) =>
  fc.record({
    type: fc.constant('snapshot' as const),
    v: fc.constant(1 as const),
    stream: fc.constant(stream),
    epoch: epochArb,
    seq: seqArb,
    checksum: checksumArb,
    entries: entriesArbFor(stream),
  }),
);

const deltasArb = fc
  .record({ stream: streamIdArb, fromSeq: fc.integer({ min: 1, max: 2 ** 40 }) })
  .chain(({ stream, fromSeq }) =>
    fc.record({
      type: fc.constant('deltas' as const),
      v: fc.constant(1 as const),
      stream: fc.constant(stream),
      epoch: epochArb,
      fromSeq: fc.constant(fromSeq),
      checksum: checksumArb,
      changes: fc.array(
        fc.oneof(
          entryArbFor(stream).map((entry) => ({ op: 'upsert' as const, key: entry.key, entry })),
          entryArbFor(stream).map((entry) => ({ op: 'remove' as const, key: entry.key })),
        ),
        { minLength: 1, maxLength: 6 },
      ),
    }),
  )
  .map(({ changes, ...message }) => ({
    ...message,
    toSeq: message.fromSeq + changes.length - 1,
    deltas: changes.map((change, index): Delta => ({ seq: message.fromSeq + index, ...change })),
  }));

export const serverMessageArb: fc.Arbitrary<ServerMessage> = fc.oneof(
  fc.record({
    type: fc.constant('welcome' as const),
    v: fc.constant(1 as const),
    firewallId: uuidArb,
    streams: fc.array(streamIdArb, { maxLength: 5 }),
    pingIntervalMs: fc.integer({ min: 1000, max: 600000 }),
  }),
  snapshotArb,
  deltasArb,
  fc.record({
    type: fc.constant('streams' as const),
    v: fc.constant(1 as const),
    streams: fc.array(streamIdArb, { maxLength: 5 }),
  }),
  fc.record({
    type: fc.constant('eventsAck' as const),
    v: fc.constant(1 as const),
    batchId: fc.string({ minLength: 1, maxLength: 128 }),
  }),
  fc.record(
    {
      type: fc.constant('error' as const),
      v: fc.constant(1 as const),
      code: fc.string({ minLength: 1, maxLength: 64 }),
      message: fc.string({ maxLength: 200 }),
      batchId: fc.string({ minLength: 1, maxLength: 128 }),
    },
    { requiredKeys: ['type', 'v', 'code', 'message'] },
  ),
);
