import fc from 'fast-check';
import {
  EMPTY_CHECKSUM,
  indicatorEntry,
  mdrTenantStreamId,
  stateChecksumOf,
  type Delta,
  type DeltasMessage,
  type IndicatorEntry,
} from '@threatline/protocol';
import { describe, expect, it } from 'vitest';
import { StreamState } from './stream-state';

const STREAM = mdrTenantStreamId('0b8f3a52-6f5e-4c1e-9d0b-1f2a3b4c5d6e');

function entry(value: string, auditId = 'MDR-20261123-AAAAAAAA'): IndicatorEntry {
  return indicatorEntry({ type: 'domain', value, auditId, dryRun: false });
}

function deltas(fromSeq: number, batch: Delta[], checksum = EMPTY_CHECKSUM, epoch = 1): DeltasMessage {
  return {
    type: 'deltas',
    v: 1,
    stream: STREAM,
    epoch,
    fromSeq,
    toSeq: fromSeq + batch.length - 1,
    checksum,
    deltas: batch,
  };
}

describe('StreamState', () => {
  it('sums a snapshot to the server checksum of the same entries', () => {
    const entries = [entry('a.example'), entry('b.example')];
    const state = new StreamState(STREAM);
    const checksum = state.applySnapshot({
      type: 'snapshot',
      v: 1,
      stream: STREAM,
      epoch: 2,
      seq: 7,
      checksum: stateChecksumOf(STREAM, entries),
      entries,
    });
    expect(checksum).toBe(stateChecksumOf(STREAM, entries));
    expect([state.epoch, state.seq, state.size]).toEqual([2, 7, 2]);
  });

  it('tells the next batch from a duplicate, a gap and another epoch', () => {
    const state = StreamState.restore(STREAM, 1, 10, []);
    const one = (seq: number) => [{ seq, op: 'remove' as const, key: 'domain:x.example' }];
    expect(state.fit(deltas(11, one(11)))).toBe('next');
    expect(state.fit(deltas(10, one(10)))).toBe('duplicate');
    expect(state.fit(deltas(12, one(12)))).toBe('gap');
    expect(state.fit(deltas(11, one(11), EMPTY_CHECKSUM, 2))).toBe('otherEpoch');
  });

  it('keeps the incremental checksum equal to a recount, whatever upserts and removes come', () => {
    const values = fc.constantFrom('a.example', 'b.example', 'c.example', 'd.example');
    const change = fc.oneof(
      fc.record({ op: fc.constant('upsert' as const), value: values, audit: fc.constantFrom('A', 'B') }),
      fc.record({ op: fc.constant('remove' as const), value: values }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(change, { minLength: 1, maxLength: 5 }), { maxLength: 20 }),
        (batches) => {
          const state = StreamState.restore(STREAM, 1, 0, []);
          const expected = new Map<string, IndicatorEntry>();
          for (const batch of batches) {
            const from = state.seq + 1;
            const message = deltas(
              from,
              batch.map((c, i) => {
                const key = `domain:${c.value}`;
                if (c.op === 'remove') {
                  expected.delete(key);
                  return { seq: from + i, op: 'remove', key };
                }
                const upserted = entry(c.value, `MDR-20261123-${c.audit.repeat(8)}`);
                expected.set(key, upserted);
                return { seq: from + i, op: 'upsert', key, entry: upserted };
              }),
            );
            expect(state.fit(message)).toBe('next');
            expect(state.applyDeltas(message)).toBe(stateChecksumOf(STREAM, expected.values()));
          }
          expect([...state.entries.keys()].sort()).toEqual([...expected.keys()].sort());
        },
      ),
    );
  });

  it('recomputes the checksum of a restored state instead of trusting one', () => {
    const entries = [entry('saved.example')];
    const state = StreamState.restore(STREAM, 3, 40, entries);
    expect(state.checksum).toBe(stateChecksumOf(STREAM, entries));
    expect([state.epoch, state.seq]).toEqual([3, 40]);
  });
});
