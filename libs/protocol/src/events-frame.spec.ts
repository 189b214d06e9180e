import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { threatEventArb } from './arbitraries.test-support';
import { parseEventsFrame } from './events-frame';
import { parseClientFrame, parseClientMessage } from './parse';

const frameOf = (batchId: string, events: unknown[]) =>
  JSON.stringify({ type: 'events', v: 1, batchId, events });

/** What the agent sends: its batch of events, some with text that looks like the frame's own punctuation. */
const batchArb = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: threatEventArb },
    {
      weight: 1,
      arbitrary: fc
        .tuple(threatEventArb, fc.constantFrom('},{', '"},{"id":"x', '\\', ']}', 'grüße ✓ 🦊', '}]'))
        .map(([event, text]) => ({ ...event, url: `https://x.test/${text}` })),
    },
  ),
  { minLength: 0, maxLength: 40 },
);

/** Every event made large, so that a frame of 40 is cut into several pieces. */
const padded = (events: object[], size: number) =>
  events.map((event) => ({ ...event, domain: 'd'.repeat(size) }));

describe('parseEventsFrame', () => {
  it('reads a frame as the agent writes it as JSON.parse does, in pieces', () => {
    fc.assert(
      fc.property(batchArb, fc.constantFrom(0, 3000, 60_000), (events, size) => {
        const batch = padded(events, size);
        const text = frameOf('batch-1', batch);
        const value = parseEventsFrame(Buffer.from(text));
        // Null only for a cut inside a string: an event's text holding `},{`.
        if (value === null) expect(batch.some((event) => JSON.stringify(event).includes('},{'))).toBe(true);
        else expect(value).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('cuts a large frame into several pieces and still reads it whole', () => {
    const events = Array.from({ length: 1000 }, (_, i) => ({ id: String(i), text: 'x'.repeat(380) }));
    const text = frameOf('b', events);
    expect(text.length).toBeGreaterThan(3 * 48 * 1024);
    expect(parseEventsFrame(Buffer.from(text))?.events).toEqual(events);
  });

  it('is null for a frame written otherwise, and never gives a value JSON.parse of the text would not', () => {
    const valid = frameOf('batch-1', [{ a: 1 }, { b: [2] }]);
    const others = [
      JSON.stringify({ v: 1, type: 'events', batchId: 'b', events: [{}] }),
      JSON.stringify({ type: 'events', v: 1, batchId: 'b', events: [{}] }, null, 1),
      frameOf('with "quote"', [{}]),
      frameOf('back\\slash', [{}]),
      `${valid} `,
      `${valid.slice(0, -2)}],"more":1}`,
      valid.replace('[{"a":1}', '[{"a":1}],"more":[{"c":3}'),
      valid.slice(0, -2),
      valid.replace('"events":[', '"events":[,'),
    ];
    for (const text of others) expect(parseEventsFrame(Buffer.from(text))).toBeNull();
    expect(parseEventsFrame(Buffer.from(frameOf('b', [])))).toEqual({
      type: 'events',
      v: 1,
      batchId: 'b',
      events: [],
    });
  });

  it('gives what JSON.parse gives for any text starting as an events frame, or null', () => {
    const bigEvent = { id: 'e', text: 'y'.repeat(30_000) };
    const base = frameOf('batch-2', [bigEvent, { n: 1 }, bigEvent, { s: '},{' }, bigEvent]);
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.nat({ max: base.length }),
            fc.nat({ max: 3 }),
            fc.constantFrom('}', '{', ',', ']', '[', '"', '\\', ' ', '},{', '1', ''),
          ),
          { minLength: 1, maxLength: 4 },
        ),
        (edits) => {
          let text = base;
          for (const [at, remove, insert] of edits)
            text = text.slice(0, at) + insert + text.slice(at + remove);
          const value = parseEventsFrame(Buffer.from(text));
          if (value === null) return;
          expect(value).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('parseClientFrame', () => {
  it('answers as parseClientMessage of the frame as text', () => {
    fc.assert(
      fc.property(batchArb, fc.constantFrom(0, 60_000), (events, size) => {
        const texts = [
          frameOf('batch-3', padded(events, size)),
          frameOf('batch-3', [...padded(events, size), { id: 'not an event' }]),
          JSON.stringify({ type: 'hello', v: 1, agent: { version: '1' }, streams: [] }),
        ];
        for (const text of texts)
          expect(parseClientFrame(Buffer.from(text))).toEqual(parseClientMessage(text));
      }),
      { numRuns: 100 },
    );
  });
});
