import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as arb from './arbitraries.test-support';
import { Matcher } from './matcher';
import { ReferenceMatcher } from './reference-matcher.test-support';

describe('compiled matcher against the plain reference', () => {
  it('decides every traffic tuple as the reference does', () => {
    fc.assert(
      fc.property(arb.scenario, ([entries, exclusions, checks]) => {
        const compiled = Matcher.build(entries, exclusions);
        const reference = new ReferenceMatcher(entries, exclusions);
        for (const [traffic, settings] of checks) {
          expect(compiled.check(traffic, settings)).toEqual(reference.check(traffic, settings));
        }
      }),
      { numRuns: 500 },
    );
  }, 30_000);
});

describe('hostile traffic', () => {
  const matcher = Matcher.build(
    [
      { value: 'evil.com', type: 'domain', source: 'MDR', auditId: 'a', dryRun: false },
      { value: 'evil.com/', type: 'url', source: 'XOPS', auditId: 'b', dryRun: false },
      { value: '10.0.0.0/8', type: 'cidr', source: 'MDR', auditId: 'c', dryRun: false },
    ],
    [{ type: 'HOST', value: 'pc-1' }],
  );
  const settings = {
    mdr: { enabled: true, action: 'LOG_ONLY' },
    xops: { enabled: true, action: 'LOG_ONLY' },
  } as const;
  const nasty = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.constantFrom(
      '',
      '\u0000',
      'evil.com\u0000',
      '\ud800.evil.com',
      'http://evil.com/\udfff',
      'x'.repeat(1 << 20),
    ),
    fc.string({ maxLength: 30 }).map((tail) => `http://evil.com/${tail}`),
  );

  it('never throws, whatever the fields hold', () => {
    fc.assert(
      fc.property(nasty, nasty, nasty, nasty, nasty, (srcIp, dstIp, domain, url, host) => {
        for (const direction of ['outbound', 'inbound', 'system'] as const) {
          const decision = matcher.check(
            { direction, srcIp, dstIp, domain, url, endpoint: { host } },
            settings,
          );
          expect(['allow', 'log']).toContain(decision.action);
        }
      }),
      { numRuns: 300 },
    );
  }, 30_000);
});
