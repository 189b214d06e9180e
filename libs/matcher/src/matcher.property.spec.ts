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
  });
});
