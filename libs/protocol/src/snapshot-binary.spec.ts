import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indicatorEntry, indicatorTypeSchema, type IndicatorEntry } from './entries';
import { BINARY_INDICATOR_TYPES, encodeIndicatorBinaryBody } from './snapshot-binary';
import {
  encodeIndicatorBinarySnapshot,
  encodeSnapshotBody,
  parseSnapshotBody,
  parseSnapshotBytes,
  snapshotColumnsOf,
  type SnapshotFrameHeader,
} from './snapshot-frame';

const MDR = 'mdr:t:0b1592ab-1111-4222-8333-444455556666';
const header = (count: number): SnapshotFrameHeader => ({
  type: 'snapshot',
  v: 1,
  stream: MDR,
  epoch: 1,
  seq: count,
  checksum: '0000000000000000',
  count,
  format: 'indicators-bin-v1',
  encoding: 'identity',
});
const message = (entries: IndicatorEntry[]) => ({
  type: 'snapshot' as const,
  v: 1 as const,
  stream: MDR,
  epoch: 1,
  seq: entries.length,
  checksum: '0000000000000000',
  entries,
});

const printable = fc.string({
  minLength: 1,
  maxLength: 30,
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
});
const auditIdArb = fc.oneof(
  fc.stringMatching(/^MDR-\d{8}-[0-9A-Z]{8}$/),
  fc.string({ minLength: 1, maxLength: 64 }),
);
const entryArb = fc
  .record({
    type: fc.constantFrom(...indicatorTypeSchema.options),
    value: printable,
    auditId: auditIdArb,
    dryRun: fc.boolean(),
  })
  .map(indicatorEntry);
const entriesArb = fc.uniqueArray(entryArb, { maxLength: 40, selector: (entry) => entry.key });
const byKey = (a: IndicatorEntry, b: IndicatorEntry) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function bodyOf(entries: IndicatorEntry[]): Uint8Array {
  const body = encodeIndicatorBinarySnapshot(message(entries));
  if (body === null) throw new Error('not encodable');
  return body;
}

function parsedEntries(entries: IndicatorEntry[], body = bodyOf(entries)) {
  const parsed = parseSnapshotBytes(header(entries.length), body);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.message;
}

/** The one-line error of a body of `count` entries, or a failure when it is accepted. */
function refusal(body: Uint8Array, count = 2): string {
  const result = parseSnapshotBytes(header(count), body);
  if (result.ok) throw new Error('expected a refusal');
  expect(result.error.code).toBe('invalid_message');
  return result.error.message;
}

const two = [
  indicatorEntry({ type: 'domain', value: 'a.example', auditId: 'MDR-20261123-AAAAAAAA', dryRun: false }),
  indicatorEntry({ type: 'ipv4', value: '1.2.3.4', auditId: 'MDR-20261124-BBBBBBBB', dryRun: true }),
];
/** Where two's columns start: the audit ID count and the two 21-byte audit IDs with their lengths. */
const TYPES_AT = 4 + 2 * 22;
const DRY_RUN_AT = TYPES_AT + 2;
const AUDIT_AT = DRY_RUN_AT + 2;
const LENGTHS_AT = AUDIT_AT + 2;
const VALUES_AT = LENGTHS_AT + 4;

/** two's body with `change` applied to a copy. */
function changed(change: (body: Uint8Array, view: DataView) => void): Uint8Array {
  const body = bodyOf(two).slice();
  change(body, new DataView(body.buffer));
  return body;
}

describe('indicators-bin-v1 bodies', () => {
  it('read back as the entries they were made of, in their order, as columns without keys', () => {
    fc.assert(
      fc.property(entriesArb, fc.boolean(), (entries, sorted) => {
        const list = sorted ? [...entries].sort(byKey) : entries;
        const parsed = parsedEntries(list);
        const columns = snapshotColumnsOf(parsed)!;
        expect(columns.count).toBe(list.length);
        expect(columns.keys).toBeUndefined();
        expect(parsed.entries).toEqual(list);
        // What the same entries as a columns-v1 body give.
        const text = parseSnapshotBody(
          { ...header(list.length), format: 'columns-v1' },
          encodeSnapshotBody(MDR, list).text,
        );
        expect(text.ok && text.message.entries).toEqual(parsed.entries);
      }),
    );
  });

  it('index audit IDs with 1, 2 or 4 bytes as their number needs', () => {
    for (const auditCount of [1, 256, 257, 65_536, 65_537]) {
      const entries = Array.from({ length: auditCount }, (_, i) =>
        indicatorEntry({ type: 'domain', value: `h${i}.example`, auditId: `MDR-${i}`, dryRun: i % 2 === 0 }),
      );
      expect(parsedEntries(entries).entries).toEqual(entries);
    }
  });

  it('number types in the code-point order of their names, so entries in key order are in body order', () => {
    expect([...BINARY_INDICATOR_TYPES]).toEqual([...indicatorTypeSchema.options].sort());
  });

  it('cannot carry a value that is not printable ASCII: the encoder says so instead', () => {
    for (const value of ['a b.example', 'bücher.example', 'a\u0000b', 'x'.repeat(8193), '']) {
      const entries = [{ ...two[0]!, value, key: `domain:${value}` }];
      expect(encodeIndicatorBinarySnapshot(message(entries))).toBeNull();
    }
    expect(encodeIndicatorBinarySnapshot({ ...message(two), stream: 'xops' })).not.toBeNull();
    expect(
      encodeIndicatorBinarySnapshot({ ...message([]), stream: 'exc:g:0b1592ab-1111-4222-8333-444455556666' }),
    ).toBeNull();
  });

  it('refuse a body that is short, long or holds a bad audit ID, naming where', () => {
    const prefix = 'invalid snapshot body (indicators-bin-v1): ';
    expect(refusal(new Uint8Array(3))).toBe(`${prefix}shorter than its audit ID count`);
    expect(refusal(changed((_, view) => view.setUint32(0, 1000, true)))).toBe(
      `${prefix}auditIds: 1000 audit IDs do not fit the body`,
    );
    expect(refusal(changed((body) => (body[4] = 0)))).toBe(
      `${prefix}auditIds[0]: must be a string of 1 to 64 characters`,
    );
    expect(refusal(changed((body) => (body[4 + 22] = 200)))).toContain('auditIds[1]: must be a string');
    expect(refusal(changed((body) => (body[5] = 0xff)))).toContain('auditIds[0]: must be a string');
    const long = encodeIndicatorBinaryBody({
      types: ['domain'],
      values: ['a.example'],
      auditIds: ['x'.repeat(65)],
      audit: [0],
      dryRun: [0],
    })!;
    expect(refusal(long, 1)).toContain('auditIds[0]: must be a string of 1 to 64 characters');
    expect(refusal(bodyOf(two), 10)).toBe(`${prefix}shorter than 10 entries`);
    expect(refusal(bodyOf(two).subarray(0, VALUES_AT + 5))).toContain('entries[0].value');
    const longer = new Uint8Array(bodyOf(two).length + 2);
    longer.set(bodyOf(two));
    expect(refusal(longer)).toBe(`${prefix}2 bytes after the last value`);
  });

  it('refuse an entry of an unknown type, dry run, audit index, value length or value byte, naming it', () => {
    expect(refusal(changed((body) => (body[TYPES_AT + 1] = 4)))).toBe(
      'invalid snapshot body (indicators-bin-v1): entries[1].type: must be one of cidr, domain, ipv4, url',
    );
    expect(refusal(changed((body) => (body[DRY_RUN_AT] = 2)))).toContain('entries[0].dryRun: must be 0 or 1');
    expect(refusal(changed((body) => (body[AUDIT_AT + 1] = 2)))).toContain(
      'entries[1].auditId: audit must index auditIds (0 to 1)',
    );
    const valueMessage = 'must be 1 to 8192 printable ASCII characters';
    expect(refusal(changed((_, view) => view.setUint16(LENGTHS_AT, 0, true)))).toContain(
      `entries[0].value: ${valueMessage}`,
    );
    expect(refusal(changed((_, view) => view.setUint16(LENGTHS_AT + 2, 8193, true)))).toContain(
      `entries[1].value: ${valueMessage}`,
    );
    expect(refusal(changed((_, view) => view.setUint16(LENGTHS_AT + 2, 100, true)))).toContain(
      'entries[1].value',
    );
    for (const byte of [0x20, 0x7f, 0xc3, 0x00]) {
      expect(refusal(changed((body) => (body[VALUES_AT + 1] = byte)))).toContain(
        `entries[0].value: ${valueMessage}`,
      );
    }
  });

  it('refuse a key twice, next to each other or not', () => {
    const entry = (value: string) => ({ ...two[0]!, value, key: `domain:${value}` });
    const twice = [entry('a.example'), entry('a.example')];
    expect(refusal(bodyOf(twice))).toContain('entries[1].key: duplicate key');
    const apart = [entry('b.example'), entry('a.example'), entry('b.example')];
    expect(refusal(bodyOf(apart), 3)).toContain('entries[2].key: duplicate key');
    // The same value under two types is two keys.
    const both = [entry('a.example'), { ...entry('a.example'), type: 'url' as const, key: 'url:a.example' }];
    expect(parsedEntries(both).entries).toEqual(both);
  });

  it('leave other bodies read as UTF-8 text as agents read them: bytes that are not UTF-8 become U+FFFD', () => {
    const text = JSON.stringify([two[0]]);
    const bytes = new TextEncoder().encode(text.replaceAll('a.example', 'aX.example'));
    bytes.forEach((byte, i) => byte === 0x58 && (bytes[i] = 0xff));
    const entries = { ...header(1), format: 'entries-v1' as const };
    const parsed = parseSnapshotBytes(entries, bytes);
    expect(parsed).toEqual(parseSnapshotBody(entries, Buffer.from(bytes).toString()));
    expect(parsed.ok && parsed.message.entries[0]).toMatchObject({ value: 'a\ufffd.example' });
  });

  it('are bytes: refused as text, and on a stream of another kind', () => {
    const text = parseSnapshotBody(header(2), '{}');
    expect(text).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    const exclusions = { ...header(2), stream: 'exc:g:0b1592ab-1111-4222-8333-444455556666' };
    expect(parseSnapshotBytes(exclusions, bodyOf(two))).toMatchObject({
      ok: false,
      error: { message: 'snapshot body: indicators-bin-v1 carries indicator streams only' },
    });
  });
});
