import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { threatEventArb } from './arbitraries.test-support';
import { threatEventSchema } from './threat-event';
import { checkThreatEvent } from './threat-event-check';

/** Valid events, and events with one field replaced by something that may or may not be valid. */
const candidateArb = fc.oneof(
  threatEventArb.map((event): unknown => event),
  fc
    .tuple(
      threatEventArb,
      fc.constantFrom(
        'id',
        'occurredAt',
        'auditId',
        'source',
        'action',
        'dryRun',
        'indicator',
        'srcIp',
        'domain',
        'url',
        'endpoint',
        'extra',
      ),
      fc.oneof(
        fc.constant(undefined),
        fc.constant(null),
        fc.constant(''),
        fc.constant('drop'),
        fc.constant(true),
        fc.constant('2026-11-23T10:00:00+01:00'),
        fc.constant('2026-02-30T10:00:00Z'),
        fc.constant('2026-11-23 10:00:00'),
        fc.constant('A0000000-0000-4000-8000-000000000000'),
        fc.constant('x'.repeat(5000)),
        fc.constant({ host: 'h\n' }),
        fc.constant({ host: 'h', user: 1 }),
        fc.constant({ process: 'p', other: 'ignored' }),
        fc.string(),
        fc.integer(),
      ),
    )
    .map(([event, key, value]): unknown => ({ ...event, [key]: value })),
);

describe('checkThreatEvent', () => {
  it('accepts exactly what threatEventSchema accepts, with the same clean copy', () => {
    fc.assert(
      fc.property(candidateArb, (candidate) => {
        const schema = threatEventSchema.safeParse(candidate);
        const checked = checkThreatEvent(candidate);
        if (checked !== null) expect(schema.success).toBe(true);
        if (schema.success) expect(checked).toEqual(schema.data);
      }),
      { numRuns: 2000 },
    );
  });
});
