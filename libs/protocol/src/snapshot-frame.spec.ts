import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksumArb, entriesArbFor, epochArb, seqArb, streamIdArb } from './arbitraries.test-support';
import { indicatorEntry } from './entries';
import { validateServerMessage } from './parse';
import {
  MAX_SNAPSHOT_HEADER_BYTES,
  decodeSnapshotFrame,
  encodeSnapshotBody,
  encodeSnapshotFrame,
  parseSnapshotBody,
  snapshotColumnsOf,
  type SnapshotFrameHeader,
} from './snapshot-frame';

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

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

const MDR = 'mdr:t:0b1592ab-1111-4222-8333-444455556666';
const indicators = [
  indicatorEntry({ type: 'ipv4', value: '1.2.3.4', auditId: 'MDR-20261123-AAAAAAAA', dryRun: false }),
  indicatorEntry({
    type: 'url',
    value: 'http://a.example/x:1',
    auditId: 'MDR-20261124-BBBBBBBB',
    dryRun: true,
  }),
];
const columnsHeader: SnapshotFrameHeader = {
  type: 'snapshot',
  v: 1,
  stream: MDR,
  epoch: 1,
  seq: 2,
  checksum: '0000000000000000',
  count: 2,
  format: 'columns-v1',
  encoding: 'identity',
};
const goodColumns = {
  keys: ['ipv4:1.2.3.4', 'url:http://a.example/x:1'],
  auditIds: ['MDR-20261123-AAAAAAAA', 'MDR-20261124-BBBBBBBB'],
  audit: [0, 1],
  dryRun: [0, 1],
};

/** The one-line error of a columns body, or a failure when it is accepted. */
function columnsRefusal(columns: Record<string, unknown>, count = 2): string {
  const result = parseSnapshotBody({ ...columnsHeader, count }, JSON.stringify(columns));
  if (result.ok) throw new Error('expected a refusal');
  expect(result.error.code).toBe('invalid_message');
  return result.error.message;
}

describe('binary snapshot frames', () => {
  it('carry the header and the body through unchanged, and validate as a text snapshot would', () => {
    fc.assert(
      fc.property(snapshotArb, ({ entries, ...snapshot }) => {
        const body = encodeSnapshotBody(snapshot.stream, entries);
        const header: SnapshotFrameHeader = {
          ...snapshot,
          count: entries.length,
          format: body.format,
          encoding: 'identity',
        };
        const decoded = decodeSnapshotFrame(encodeSnapshotFrame(header, bytes(body.text)));
        if (!decoded.ok) throw new Error(decoded.error.message);
        expect(decoded.header).toEqual(header);
        expect(text(decoded.body)).toBe(body.text);
        const parsed = parseSnapshotBody(decoded.header, text(decoded.body));
        expect(parsed).toEqual({ ok: true, message: { ...snapshot, entries } });
        expect(validateServerMessage(parsed.ok && parsed.message)).toEqual(parsed);
      }),
    );
  });

  it('lay out indicators and exclusions as columns, settings as the entries array', () => {
    expect(encodeSnapshotBody(MDR, indicators)).toEqual({
      format: 'columns-v1',
      text: JSON.stringify(goodColumns),
    });
    expect(encodeSnapshotBody('exc:g:0b1592ab-1111-4222-8333-444455556666', [])).toEqual({
      format: 'columns-v1',
      text: '{"keys":[]}',
    });
    expect(encodeSnapshotBody('set:f:0b1592ab-1111-4222-8333-444455556666', [])).toEqual({
      format: 'entries-v1',
      text: '[]',
    });
    expect(parseSnapshotBody(columnsHeader, JSON.stringify(goodColumns))).toMatchObject({
      ok: true,
      message: { entries: indicators },
    });
  });

  it('refuse truncated frames, oversized headers, bad headers and unknown body formats', () => {
    const header: SnapshotFrameHeader = {
      type: 'snapshot',
      v: 1,
      stream: 'xops',
      epoch: 1,
      seq: 2,
      checksum: '0000000000000000',
      count: 1,
      format: 'entries-v1',
      encoding: 'gzip',
    };
    const frame = encodeSnapshotFrame(header, bytes('[]'));
    const refused = (data: Uint8Array) => {
      const result = decodeSnapshotFrame(data);
      if (result.ok) throw new Error('expected a refusal');
      return result.error.message;
    };
    expect(refused(frame.subarray(0, 3))).toContain('shorter than its 4-byte header length');
    expect(refused(frame.subarray(0, 20))).toContain('shorter than its header length says');
    const huge = new Uint8Array(8);
    new DataView(huge.buffer).setUint32(0, MAX_SNAPSHOT_HEADER_BYTES + 1);
    expect(refused(huge)).toContain('exceeds');
    expect(refused(encodeSnapshotFrame({ ...header, epoch: 0 }, new Uint8Array()))).toContain('epoch');
    const garbage = new Uint8Array([0, 0, 0, 2, 0x7b, 0x7b]);
    expect(decodeSnapshotFrame(garbage)).toMatchObject({ ok: false, error: { code: 'malformed_json' } });

    const future = { ...header, format: 'columns-v2' } as unknown as SnapshotFrameHeader;
    expect(refused(encodeSnapshotFrame(future, new Uint8Array()))).toBe(
      'snapshot header: format: must be a snapshot body format this side reads (entries-v1, columns-v1, indicators-bin-v1)',
    );
  });

  it('lay out entries-v1 headers without `format`, as frames were before formats were named, and read them so', () => {
    const header: SnapshotFrameHeader = { ...columnsHeader, count: 0, format: 'entries-v1' };
    const frame = encodeSnapshotFrame(header, bytes('[]'));
    const headerLength = new DataView(frame.buffer).getUint32(0);
    const laidOut = JSON.parse(new TextDecoder().decode(frame.subarray(4, 4 + headerLength))) as object;
    expect(laidOut).not.toHaveProperty('format');
    expect(decodeSnapshotFrame(frame)).toMatchObject({ ok: true, header: { format: 'entries-v1' } });
    const columns = encodeSnapshotFrame({ ...columnsHeader, count: 0 }, bytes('{}'));
    expect(decodeSnapshotFrame(columns)).toMatchObject({ ok: true, header: { format: 'columns-v1' } });
  });

  it('refuse entries-v1 bodies that do not match the header', () => {
    const header: SnapshotFrameHeader = { ...columnsHeader, count: 1, format: 'entries-v1' };
    expect(parseSnapshotBody(header, '[]')).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    expect(parseSnapshotBody(header, '[{')).toMatchObject({ ok: false, error: { code: 'malformed_json' } });
    expect(parseSnapshotBody(header, '[{"key":"ipv4:1.2.3.4"}]')).toMatchObject({ ok: false });
  });

  it('refuse columns-v1 bodies that are truncated, of another count, or hold a bad entry, naming where', () => {
    const body = JSON.stringify(goodColumns);
    expect(parseSnapshotBody(columnsHeader, body.slice(0, -9))).toMatchObject({
      ok: false,
      error: { code: 'malformed_json' },
    });
    expect(columnsRefusal(goodColumns, 3)).toBe(
      'invalid snapshot body (columns-v1): keys: must be an array of 3 items',
    );
    expect(columnsRefusal({ ...goodColumns, dryRun: [0] })).toBe(
      'invalid snapshot body (columns-v1): dryRun: must be an array of 2 items',
    );
    expect(columnsRefusal({ ...goodColumns, extra: 1 })).toContain('unknown field "extra"');
    expect(columnsRefusal({ keys: goodColumns.keys, audit: [0, 1], dryRun: [0, 1] })).toContain(
      'auditIds: must be an array',
    );
    expect(columnsRefusal({ ...goodColumns, auditIds: ['MDR-20261123-AAAAAAAA', ''] })).toContain(
      'auditIds[1]: must be a string of 1 to 64 characters',
    );
    const entry = (column: string, values: unknown[]) => columnsRefusal({ ...goodColumns, [column]: values });
    expect(entry('keys', ['ipv4:1.2.3.4', 7])).toContain('entries[1].key: must be a string');
    expect(entry('keys', ['ipv4:1.2.3.4', 'IP:1.2.3.5'])).toContain(
      'entries[1].type: must be one of ipv4, cidr, domain, url',
    );
    expect(entry('keys', ['ipv4:1.2.3.4', 'nocolon'])).toContain('entries[1].type');
    expect(entry('keys', ['ipv4:', 'url:x'])).toContain('entries[0].value: must be a string of 1 to 8192');
    expect(entry('keys', ['ipv4:1.2.3.4', `url:${'x'.repeat(8193)}`])).toContain('entries[1].value');
    expect(entry('keys', ['ipv4:1.2.3.4', 'ipv4:1.2.3.4'])).toContain('entries[1].key: duplicate key');
    expect(entry('audit', [0, 2])).toContain('entries[1].auditId: audit must index auditIds (0 to 1)');
    expect(entry('audit', [0, -1])).toContain('entries[1].auditId');
    expect(entry('audit', [0, 0.5])).toContain('entries[1].auditId');
    expect(entry('audit', [0, '1'])).toContain('entries[1].auditId');
    expect(entry('dryRun', [0, true])).toContain('entries[1].dryRun: must be 0 or 1');
    expect(entry('dryRun', [2, 0])).toContain('entries[0].dryRun');
    expect(columnsRefusal([] as unknown as Record<string, unknown>)).toContain('must be an object');
    const three = (keys: string[]) => ({
      keys,
      auditIds: ['MDR-20261123-AAAAAAAA'],
      audit: [0, 0, 0],
      dryRun: [0, 0, 0],
    });
    expect(columnsRefusal(three(['url:b', 'ipv4:1.2.3.4', 'url:b']), 3)).toContain(
      'entries[2].key: duplicate key',
    );
    expect(columnsRefusal(three(['ipv4:1.2.3.4', 'url:b', 'url:b']), 3)).toContain(
      'entries[2].key: duplicate key',
    );
    for (const keys of [
      ['url:b', 'ipv4:1.2.3.4', 'url:a'],
      ['ipv4:1.2.3.4', 'url:a', 'url:b'],
    ]) {
      const parsed = parseSnapshotBody({ ...columnsHeader, count: 3 }, JSON.stringify(three(keys)));
      expect(parsed.ok && parsed.message.entries.map((item) => item.key)).toEqual(keys);
    }

    const exclusions = { ...columnsHeader, stream: 'exc:g:0b1592ab-1111-4222-8333-444455556666', count: 1 };
    expect(parseSnapshotBody(exclusions, '{"keys":["HOST:a"]}')).toMatchObject({
      ok: true,
      message: { entries: [{ key: 'HOST:a', type: 'HOST', value: 'a' }] },
    });
    expect(parseSnapshotBody(exclusions, '{"keys":["ipv4:1.2.3.4"]}')).toMatchObject({ ok: false });
    expect(parseSnapshotBody(exclusions, JSON.stringify(goodColumns))).toMatchObject({ ok: false });
    const settings = { ...columnsHeader, stream: 'set:f:0b1592ab-1111-4222-8333-444455556666', count: 0 };
    expect(parseSnapshotBody(settings, '{"keys":[]}')).toMatchObject({
      ok: false,
      error: { message: 'snapshot body: columns-v1 does not carry a settings stream' },
    });
  });

  it('hand the checked columns of an indicator body to a reader that takes them, the entries standing for the same', () => {
    fc.assert(
      fc.property(entriesArbFor(MDR), (entries) => {
        const body = encodeSnapshotBody(MDR, entries);
        const parsed = parseSnapshotBody({ ...columnsHeader, count: entries.length }, body.text);
        if (!parsed.ok) throw new Error(parsed.error.message);
        const columns = snapshotColumnsOf(parsed.message)!;
        const fromColumns = columns.keys!.map((key, i) => ({
          key,
          type: columns.types[i],
          value: columns.values[i],
          auditId: columns.auditIds[columns.audit[i]!],
          dryRun: columns.dryRun[i] === 1,
        }));
        expect(fromColumns).toEqual(entries);
        expect(parsed.message.entries).toEqual(entries);
        expect(parsed.message.entries).toBe(parsed.message.entries);
        expect({ ...parsed.message }).toEqual({ ...parsed.message, entries });
      }),
    );
  });

  it('give columns only for an indicator columns-v1 body, and none once its entries are replaced', () => {
    const parsed = parseSnapshotBody(columnsHeader, JSON.stringify(goodColumns));
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(snapshotColumnsOf(parsed.message)?.values).toEqual(['1.2.3.4', 'http://a.example/x:1']);
    parsed.message.entries = [];
    expect(snapshotColumnsOf(parsed.message)).toBeUndefined();
    expect(parsed.message.entries).toEqual([]);
    const exclusions = { ...columnsHeader, stream: 'exc:g:0b1592ab-1111-4222-8333-444455556666', count: 1 };
    const excluded = parseSnapshotBody(exclusions, '{"keys":["HOST:a"]}');
    expect(excluded.ok && snapshotColumnsOf(excluded.message)).toBeUndefined();
    const array = parseSnapshotBody({ ...columnsHeader, format: 'entries-v1' }, JSON.stringify(indicators));
    expect(array.ok && snapshotColumnsOf(array.message)).toBeUndefined();
  });
});
