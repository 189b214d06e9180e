import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeClientMessage,
  INDICATOR_TYPES,
  MATCHED_FIELDS,
  MODULE_ACTIONS,
  parseClientFrame,
  THREAT_EVENT_ACTIONS,
  THREAT_EVENT_MODULES,
  THREAT_EVENT_SOURCES,
  TRAFFIC_DIRECTIONS,
  type ThreatEvent,
} from '@threatline/protocol';
import { makeThreatEvent, makeThreatEvents } from '../testing/threat-events';
import { encodeBatch, type EncodedBatch } from './encoded-batch';
import { encodeEventsFrame } from './events-frame-rows';

/** The general path: parse and check the frame, then encode its events. Null when the frame is refused. */
function generalPath(frame: Buffer): EncodedBatch | null {
  const parsed = parseClientFrame(frame);
  if (!parsed.ok || parsed.message.type !== 'events') return null;
  return encodeBatch(parsed.message.batchId, parsed.message.events);
}

function frameOf(batchId: string, events: readonly object[]): Buffer {
  return Buffer.from(JSON.stringify({ type: 'events', v: 1, batchId, events }));
}

/** A batch as comparable data: its rows as one text, whatever their pieces. */
function comparable(batch: EncodedBatch) {
  const { rows, ...rest } = batch.events;
  return {
    ...batch,
    events: { ...rest, rows: Buffer.concat(rows.map((piece) => Buffer.from(piece))).toString() },
  };
}

describe('encodeEventsFrame', () => {
  it('encodes a batch as agents write it exactly as the general path does, rows cut into the same pieces', () => {
    // The agent's key order (services/agent's eventsOf): domain, url and endpoint last.
    const events: ThreatEvent[] = makeThreatEvents(1000).map(({ endpoint: _, ...event }, i) => ({
      ...event,
      occurredAt: new Date(Date.UTC(2026, 10, 24, 9, 59, 59) + i * 7).toISOString(),
      action: i % 7 === 0 ? 'log' : 'drop',
      dryRun: i % 7 === 0,
      ...(i % 5 === 0 && { domain: 'evil.test' }),
      ...(i % 3 === 0 && { url: `http://evil.test/a|b/${i}` }),
      ...(i % 2 === 0 && { endpoint: { host: `host-${i}`, user: 'alice' } }),
      ...(i % 4 === 1 && { endpoint: { process: 'curl' } }),
    }));
    const frame = Buffer.from(encodeClientMessage({ type: 'events', v: 1, batchId: 'batch-1', events }));
    const fast = encodeEventsFrame(frame)!;
    const general = generalPath(frame)!;
    expect(fast).not.toBeNull();
    expect(comparable(fast)).toEqual(comparable(general));
    expect(fast.events.rows.map((piece) => piece.toString())).toEqual(general.events.rows);
    expect(fast.events.hours).toEqual(['2026-11-24T09', '2026-11-24T10']);
    expect(fast.events.count).toBe(1000);
  });

  it('leaves to the general path what agents do not write: other forms, escapes, non-ASCII text, invalid values', () => {
    const event = makeThreatEvent({ occurredAt: '2026-11-24T10:00:00.000Z', endpoint: { host: 'h' } });
    expect(encodeEventsFrame(frameOf('b', [event]))).not.toBeNull();
    const cases: Array<[string, object[] | Buffer]> = [
      ['a backslash', [{ ...event, indicator: 'a\\b' }]],
      ['non-ASCII text', [{ ...event, endpoint: { user: 'Jörg' } }]],
      ['a DEL character', [{ ...event, auditId: 'a\u007fb' }]],
      ['an occurredAt with an offset', [{ ...event, occurredAt: '2026-11-24T11:00:00.000+01:00' }]],
      ['an impossible date', [{ ...event, occurredAt: '2026-02-30T10:00:00.000Z' }]],
      ['an hour past 23', [{ ...event, occurredAt: '2026-11-24T24:00:00.000Z' }]],
      ['an uppercase id', [{ ...event, id: event.id.toUpperCase() }]],
      ['a dry-run drop', [{ ...event, dryRun: true, action: 'drop' }]],
      ['an unknown source', [{ ...event, source: 'NOPE' }]],
      ['an audit ID too long', [{ ...event, auditId: 'x'.repeat(65) }]],
      ['an unknown key', [{ ...event, extra: 1 }]],
      ['keys in another order', [Object.fromEntries(Object.entries(event).reverse())]],
      ['no events', []],
      [
        'whitespace',
        Buffer.from(JSON.stringify({ type: 'events', v: 1, batchId: 'b', events: [event] }, null, 1)),
      ],
      ['a truncated frame', frameOf('b', [event]).subarray(0, 300)],
      ['another message', Buffer.from('{"type":"ack","v":1,"stream":"mdr","epoch":"e","seq":1}')],
    ];
    for (const [name, input] of cases) {
      const frame = Buffer.isBuffer(input) ? input : frameOf('b', input);
      expect(encodeEventsFrame(frame), name).toBeNull();
    }
    expect(encodeEventsFrame(frameOf('b', makeThreatEvents(1001)))).toBeNull();
    // Rows longer than the frame (every `|` escaped): valid, but left to the general path.
    const piped = frameOf('b', [{ ...event, url: '|'.repeat(2000) }]);
    expect(encodeEventsFrame(piped)).toBeNull();
    expect(generalPath(piped)).not.toBeNull();
    // The general path's answer to the same dry-run drop: refused.
    expect(generalPath(frameOf('b', [{ ...event, dryRun: true, action: 'drop' }]))).toBeNull();
  });

  it('answers only where the general path accepts, and then with the same rows, days, hours and job digest', () => {
    const safeText = fc.stringMatching(/^[a-zA-Z0-9.:/|_ -]{0,12}$/);
    const oddText = fc.oneof(
      fc.constantFrom(
        '',
        '|',
        '||',
        'a\\b',
        'é',
        '\u0000',
        '\u007f',
        '"',
        '\t',
        'x'.repeat(64),
        'x'.repeat(65),
      ),
      fc.string({ maxLength: 6 }),
    );
    // Batches of two kinds, half each: with odd values mixed in (rare, a few per batch at most), and wholly in the
    // agent's form, which the fast path must answer, so the comparison runs on every one of them. (With odd values
    // in every batch the fast path answered ~320 of 3000, and a floor of 300 on that count failed one run in eight.)
    const withOdd = <T>(usual: fc.Arbitrary<T>, weight: number, odd: fc.Arbitrary<T>, oddValues: boolean) =>
      oddValues ? fc.oneof({ arbitrary: usual, weight }, { arbitrary: odd, weight: 1 }) : usual;
    const textOf = (oddValues: boolean) => withOdd(safeText, 60, oddText, oddValues);
    const eventOf = (oddValues: boolean) => {
      const text = textOf(oddValues);
      // Fields of at least one character: in the agent's form, never empty.
      const requiredText = oddValues ? text : safeText.filter((value) => value.length > 0);
      const occurredAt = withOdd(
        fc
          .date({ min: new Date('1999-01-01'), max: new Date('2101-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString()),
        30,
        fc.constantFrom(
          '2024-02-29T23:59:59.999Z',
          '2023-02-29T00:00:00.000Z',
          '2026-11-24T10:00:00Z',
          '2026-11-24T10:00:00.1234Z',
          '2026-11-24T10:60:00.000Z',
          '2026-11-24T10:00:00.000+00:00',
          '2026-13-01T00:00:00.000Z',
          '2026-11-24 10:00:00.000Z',
        ),
        oddValues,
      );
      const oneOf = (values: readonly string[]) =>
        withOdd(fc.constantFrom(...values), 60, fc.constant('x'), oddValues);
      const model = {
        id: withOdd(
          fc.uuid(),
          9,
          fc.constantFrom('not-a-uuid', '00000000-0000-4000-8000-00000000000G'),
          oddValues,
        ),
        occurredAt,
        auditId: requiredText,
        source: oneOf(THREAT_EVENT_SOURCES),
        module: oneOf(THREAT_EVENT_MODULES),
        action: oneOf(THREAT_EVENT_ACTIONS),
        dryRun: fc.boolean(),
        moduleAction: oneOf(MODULE_ACTIONS),
        direction: oneOf(TRAFFIC_DIRECTIONS),
        field: oneOf(MATCHED_FIELDS),
        indicator: requiredText,
        indicatorType: oneOf(INDICATOR_TYPES),
        srcIp: text,
        dstIp: text,
        domain: text,
        url: text,
        endpoint: fc.record({ host: text, user: text, process: text }, { requiredKeys: [] }),
        extra: fc.constant('unknown key'),
      };
      // In the agent's order (the model's); domain, url, endpoint and the unknown key may be absent.
      const optional = new Set(['domain', 'url', 'endpoint', 'extra']);
      const requiredKeys = (Object.keys(model) as (keyof typeof model)[]).filter((key) => !optional.has(key));
      return fc.record(model, { requiredKeys }).map((e) => {
        // An unknown key is rare among odd values, and never in the agent's form.
        if ('extra' in e && (!oddValues || e.id.charCodeAt(1) % 16 !== 0))
          delete (e as { extra?: string }).extra;
        // An agent never sends a dry-run drop (the schema refuses it).
        return !oddValues && e.dryRun && e.action === 'drop' ? { ...e, dryRun: false } : e;
      });
    };
    // Agents name a batch by a UUID; odd batches may carry any text.
    const batchId = (oddValues: boolean) =>
      oddValues ? fc.oneof({ arbitrary: fc.uuid(), weight: 4 }, textOf(true)) : fc.uuid();
    const batch = (oddValues: boolean) =>
      fc.tuple(
        fc.constant(oddValues),
        batchId(oddValues),
        fc.array(eventOf(oddValues), { minLength: oddValues ? 0 : 1, maxLength: 6 }),
      );
    fc.assert(
      fc.property(fc.oneof(batch(true), batch(false)), ([oddValues, batchId, events]) => {
        const frame = frameOf(batchId, events);
        const fast = encodeEventsFrame(frame);
        // A batch in the agent's form always takes the fast path; an odd one may or may not.
        if (!oddValues) expect(fast).not.toBeNull();
        if (fast === null) return;
        const general = generalPath(frame);
        expect(general).not.toBeNull();
        expect(comparable(fast)).toEqual(comparable(general!));
      }),
      { numRuns: 3000 },
    );
  });

  it('gives a batch and its resend the same job whichever path each takes', () => {
    const events: ThreatEvent[] = makeThreatEvents(3, () => ({
      occurredAt: '2026-11-24T10:00:00.000Z',
      endpoint: { host: 'h', user: 'u', process: 'p' },
    }));
    const frame = frameOf('same-batch', events);
    expect(encodeEventsFrame(frame)!.digest).toBe(encodeBatch('same-batch', events).digest);
  });
});
