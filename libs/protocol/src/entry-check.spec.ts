import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exclusionEntryArb, indicatorEntryArb, settingsEntryArb } from './arbitraries.test-support';
import { exclusionEntrySchema, indicatorEntrySchema, settingsEntrySchema } from './entries';
import { entryIssue } from './entry-check';
import type { StreamKind } from './stream-ids';

/** Valid entries, and the same with one field dropped, replaced by a stray value, or added. */
function variants(valid: fc.Arbitrary<object>): fc.Arbitrary<unknown> {
  const stray = fc.oneof(
    fc.string({ maxLength: 3 }),
    fc.constantFrom('ipv4', 'IP', 'domain', 'DOMAIN', 'x'.repeat(8193), '', true, 0, null, [], {}),
  );
  const field = fc.constantFrom('key', 'type', 'value', 'auditId', 'dryRun', 'settings', 'extra');
  return fc.oneof(
    valid,
    fc.tuple(valid, field).map(([entry, name]) => {
      const copy: Record<string, unknown> = { ...entry };
      delete copy[name];
      return copy;
    }),
    fc.tuple(valid, field, stray).map(([entry, name, value]) => ({ ...entry, [name]: value })),
    fc.anything(),
  );
}

const cases: [StreamKind, fc.Arbitrary<object>, { safeParse(value: unknown): { success: boolean } }][] = [
  ['indicators', indicatorEntryArb, indicatorEntrySchema],
  ['exclusions', exclusionEntryArb, exclusionEntrySchema],
  ['settings', settingsEntryArb, settingsEntrySchema],
];

describe('entryIssue', () => {
  it.each(cases)('accepts exactly what the zod schema of %s entries accepts', (kind, valid, schema) => {
    fc.assert(
      fc.property(variants(valid), (value) => {
        expect(entryIssue(kind, value) === null).toBe(schema.safeParse(value).success);
      }),
      { numRuns: 2000 },
    );
  });

  it('names what is wrong', () => {
    const entry = {
      key: 'domain:a.example',
      type: 'domain',
      value: 'a.example',
      auditId: 'MDR-1',
      dryRun: false,
    };
    expect(entryIssue('indicators', entry)).toBeNull();
    expect(entryIssue('indicators', { ...entry, extra: 1 })).toEqual({
      path: [],
      message: 'unknown field "extra"',
    });
    expect(entryIssue('indicators', { ...entry, type: 'IP' })).toEqual({
      path: ['type'],
      message: 'must be one of ipv4, cidr, domain, url',
    });
    expect(entryIssue('indicators', { ...entry, dryRun: 'no' })).toEqual({
      path: ['dryRun'],
      message: 'must be true or false',
    });
    expect(entryIssue('exclusions', { key: 'IP:1', type: 'IP', value: '2' })).toEqual({
      path: ['key'],
      message: 'key must be "<TYPE>:<value>"',
    });
    expect(entryIssue('settings', { key: 'settings' })?.path).toEqual(['settings']);
  });
});
