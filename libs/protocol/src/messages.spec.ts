import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientMessageArb, serverMessageArb, threatEventArb, uuidArb } from './arbitraries.test-support';
import { CLOSE_CODES, MAX_CLIENT_FRAME_BYTES, shouldReconnect } from './close-codes';
import { exclusionEntry, indicatorEntry } from './entries';
import {
  closeCodeFor,
  encodeClientMessage,
  encodeServerMessage,
  parseClientMessage,
  parseServerMessage,
  type ProtocolError,
} from './parse';
import { exclusionStreamId, mdrTenantStreamId } from './stream-ids';

const ERROR_CODES = [
  'frame_too_large',
  'malformed_json',
  'unsupported_version',
  'invalid_message',
  'invalid_events',
];

function errorOf(result: { ok: true } | { ok: false; error: ProtocolError }): ProtocolError {
  if (result.ok) throw new Error('expected the frame to be refused');
  return result.error;
}

/** The message as a plain JSON object, to corrupt. */
function plain(message: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(message)) as Record<string, unknown>;
}

describe('wire protocol v1 messages', () => {
  it('accepts every valid agent message and reads back exactly what was encoded', () => {
    fc.assert(
      fc.property(clientMessageArb, (message) => {
        const parsed = parseClientMessage(encodeClientMessage(message));
        expect(parsed).toEqual({ ok: true, message });
      }),
    );
  });

  it('accepts every valid server message and reads back exactly what was encoded', () => {
    fc.assert(
      fc.property(serverMessageArb, (message) => {
        const parsed = parseServerMessage(encodeServerMessage(message));
        expect(parsed).toEqual({ ok: true, message });
      }),
    );
  });

  it('never throws on arbitrary text or JSON, and says what is wrong', () => {
    const frames = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue().map((value) => JSON.stringify(value)),
    );
    fc.assert(
      fc.property(frames, (text) => {
        for (const result of [parseClientMessage(text), parseServerMessage(text)]) {
          if (result.ok) continue;
          expect(ERROR_CODES).toContain(result.error.code);
          expect(result.error.message.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('refuses another protocol version with unsupported_version (close 4002)', () => {
    const other = fc.oneof(
      fc.integer().filter((v) => v !== 1),
      fc.string(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(fc.oneof(clientMessageArb, serverMessageArb), other, (message, v) => {
        const text = JSON.stringify({ ...plain(message), v });
        const error = errorOf(
          message.type in CLIENT_TYPES ? parseClientMessage(text) : parseServerMessage(text),
        );
        expect(error.code).toBe('unsupported_version');
        expect(error.message).toContain('not supported');
        expect(closeCodeFor(error)).toBe(CLOSE_CODES.unsupportedVersion);
      }),
    );
  });

  it('refuses a message missing a field, naming the field (close 4003)', () => {
    fc.assert(
      fc.property(fc.oneof(clientMessageArb, serverMessageArb), fc.nat(), (message, pick) => {
        const object = plain(message);
        // An error's batchId is optional.
        const optional = message.type === 'error' ? ['batchId'] : [];
        const fields = Object.keys(object).filter(
          (key) => key !== 'type' && key !== 'v' && !optional.includes(key),
        );
        const field = fields[pick % fields.length]!;
        delete object[field];
        const error = errorOf(parse(message.type, JSON.stringify(object)));
        expect(error.code).toBe('invalid_message');
        expect(error.issues.map((issue) => issue.path)).toContain(field);
        expect(error.message).toContain(`invalid ${message.type} message`);
        expect(closeCodeFor(error)).toBe(CLOSE_CODES.malformedFrame);
      }),
    );
  });

  it('refuses a field of the wrong type and an unknown field', () => {
    fc.assert(
      fc.property(fc.oneof(clientMessageArb, serverMessageArb), fc.nat(), (message, pick) => {
        const object = plain(message);
        const fields = Object.keys(object).filter((key) => key !== 'type' && key !== 'v');
        const field = fields[pick % fields.length]!;
        expect(
          errorOf(parse(message.type, JSON.stringify({ ...object, [field]: null }))).issues[0]?.path,
        ).toBe(field);
        expect(errorOf(parse(message.type, JSON.stringify({ ...object, extra: 1 }))).code).toBe(
          'invalid_message',
        );
      }),
    );
  });

  it('refuses unknown types, non-objects, broken JSON and oversized frames with a clear error', () => {
    expect(errorOf(parseClientMessage('{"type":"welcome","v":1}')).message).toBe(
      'unknown message type "welcome" (expected one of hello, ack, resync, events)',
    );
    expect(errorOf(parseServerMessage('{"v":1}')).message).toContain('unknown message type undefined');
    expect(errorOf(parseClientMessage('[1,2]')).message).toBe('a message is a JSON object');
    expect(errorOf(parseClientMessage('{"type":')).code).toBe('malformed_json');
    expect(errorOf(parseClientMessage(' '.repeat(MAX_CLIENT_FRAME_BYTES + 1))).code).toBe('frame_too_large');
    expect(
      errorOf(parseClientMessage('{"type":"ack","v":1,"stream":"nope","epoch":1,"seq":0}')).message,
    ).toBe(
      'invalid ack message: stream: must be a stream id (mdr:t:<uuid>, mdr:g:<uuid>, xops, exc:g:<uuid>, set:f:<uuid>)',
    );
  });

  it('checks every event of a batch, and refuses only the batch when an event is wrong', () => {
    fc.assert(
      fc.property(
        fc.array(threatEventArb, { minLength: 2, maxLength: 4 }),
        fc.nat(),
        fc.constantFrom(
          { occurredAt: 'yesterday' },
          { id: 'not-a-uuid' },
          { action: 'block' },
          { indicator: 'evil\u0000.example' },
          { dryRun: true, action: 'drop' },
          { srcIp: undefined },
        ),
        (events, pick, corruption) => {
          const index = pick % events.length;
          const bad = events.map((event, i) => (i === index ? { ...event, ...corruption } : event));
          const error = errorOf(
            parseClientMessage(JSON.stringify({ type: 'events', v: 1, batchId: 'b-1', events: bad })),
          );
          expect(error.code).toBe('invalid_events');
          expect(error.batchId).toBe('b-1');
          expect(error.issues[0]?.path).toMatch(new RegExp(`^events\\[${index}\\]\\.`));
          expect(error.message).toContain('invalid events message: events[');
        },
      ),
    );
    // A broken envelope is a broken frame, whatever the events.
    const event = fc.sample(threatEventArb, 1)[0]!;
    expect(errorOf(parseClientMessage(JSON.stringify({ type: 'events', v: 1, events: [event] }))).code).toBe(
      'invalid_message',
    );
    expect(
      errorOf(parseClientMessage(JSON.stringify({ type: 'events', v: 1, batchId: 'b', events: [] }))).code,
    ).toBe('invalid_message');
  });

  it('refuses deltas whose seqs do not run exactly fromSeq..toSeq', () => {
    const stream = exclusionStreamId('00000000-0000-4000-8000-000000000001');
    const entry = exclusionEntry({ type: 'IP', value: '10.0.0.1' });
    const deltas = (fromSeq: number, toSeq: number, seqs: number[]) =>
      JSON.stringify({
        type: 'deltas',
        v: 1,
        stream,
        epoch: 1,
        fromSeq,
        toSeq,
        checksum: '0123456789abcdef',
        deltas: seqs.map((seq) => ({ seq, op: 'upsert', key: entry.key, entry })),
      });
    expect(parseServerMessage(deltas(5, 6, [5, 6])).ok).toBe(true);
    expect(errorOf(parseServerMessage(deltas(5, 7, [5, 6]))).message).toContain(
      'deltas: must hold exactly the seqs 5..7',
    );
    expect(errorOf(parseServerMessage(deltas(5, 6, [5, 7]))).message).toContain('deltas[1].seq: must be 6');
  });

  it('refuses entries that do not belong to the stream, keys that differ, and duplicate snapshot keys', () => {
    const stream = mdrTenantStreamId('00000000-0000-4000-8000-000000000001');
    const indicator = indicatorEntry({
      type: 'domain',
      value: 'evil.example',
      auditId: 'MDR-1',
      dryRun: false,
    });
    const base = { v: 1, stream, epoch: 1, checksum: '0123456789abcdef' };
    const delta = (change: object) =>
      parseServerMessage(
        JSON.stringify({ ...base, type: 'deltas', fromSeq: 1, toSeq: 1, deltas: [{ seq: 1, ...change }] }),
      );
    expect(delta({ op: 'upsert', key: indicator.key, entry: indicator }).ok).toBe(true);
    expect(errorOf(delta({ op: 'upsert', key: 'domain:other', entry: indicator })).message).toContain(
      'deltas[0].key: must equal entry.key',
    );
    const exclusion = exclusionEntry({ type: 'IP', value: '10.0.0.1' });
    expect(errorOf(delta({ op: 'upsert', key: exclusion.key, entry: exclusion })).issues[0]?.path).toMatch(
      /^deltas\[0\]\.entry/,
    );
    expect(errorOf(delta({ op: 'remove', key: indicator.key, entry: indicator })).code).toBe(
      'invalid_message',
    );
    const forged = { ...indicator, key: 'url:evil.example' };
    expect(errorOf(delta({ op: 'upsert', key: forged.key, entry: forged })).message).toContain(
      'deltas[0].entry.key: key must be "<type>:<value>"',
    );
    const snapshot = (entries: object[]) =>
      parseServerMessage(JSON.stringify({ ...base, type: 'snapshot', seq: 3, entries }));
    expect(snapshot([indicator]).ok).toBe(true);
    expect(errorOf(snapshot([indicator, indicator])).message).toContain('entries[1].key: duplicate key');
  });

  it('refuses a welcome whose firewall id is not a uuid', () => {
    fc.assert(
      fc.property(uuidArb, (id) => {
        const welcome = { type: 'welcome', v: 1, streams: [], pingIntervalMs: 20000 };
        expect(parseServerMessage(JSON.stringify({ ...welcome, firewallId: id })).ok).toBe(true);
        expect(
          parseServerMessage(JSON.stringify({ ...welcome, firewallId: id.toUpperCase() + 'x' })).ok,
        ).toBe(false);
      }),
    );
  });

  it('tells the agent when not to reconnect', () => {
    expect(shouldReconnect(CLOSE_CODES.credentialRevoked)).toBe(false);
    expect(shouldReconnect(CLOSE_CODES.unsupportedVersion)).toBe(false);
    for (const code of [
      CLOSE_CODES.malformedFrame,
      CLOSE_CODES.flood,
      CLOSE_CODES.lagging,
      CLOSE_CODES.serviceRestart,
      1006,
    ]) {
      expect(shouldReconnect(code)).toBe(true);
    }
  });
});

const CLIENT_TYPES: Record<string, true> = { hello: true, ack: true, resync: true, events: true };

function parse(type: string, text: string) {
  return type in CLIENT_TYPES ? parseClientMessage(text) : parseServerMessage(text);
}
