import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_BUCKET,
  BlockTable,
  PAYLOAD_BITS,
  PAYLOAD_MASK,
  blockBucket1,
  blockBucket2,
} from './block-table';

/** What AddressIndex.lookup reads for a block: the OR of the words of both buckets whose high bits are the block. */
function probe(table: BlockTable, block: number): number {
  let payload = 0;
  for (const bucket of [blockBucket1(block, table.buckets), blockBucket2(block, table.buckets)]) {
    for (let i = bucket * BLOCK_BUCKET; i < (bucket + 1) * BLOCK_BUCKET; i++) {
      const word = table.words[i]!;
      if (word >>> PAYLOAD_BITS === block) payload |= word;
    }
  }
  return payload & PAYLOAD_MASK;
}

/** Few distinct blocks, so they collide, with both ends of the 24-bit range (block 0 looks like an empty word). */
const block = fc.oneof(fc.integer({ min: 0, max: 200 }), fc.constantFrom(0xffffff, 0x800000, 0x7fffff));

describe('BlockTable', () => {
  it('behaves like a Map through sets, removals, growth and shrinking, and the branch-free probe agrees', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(block, fc.integer({ min: 0, max: 127 })), { maxLength: 600 }),
        (steps) => {
          const table = new BlockTable();
          const model = new Map<number, number>();
          for (const [b, payload] of steps) {
            table.set(b, payload);
            if (payload === 0) model.delete(b);
            else model.set(b, payload);
          }
          expect(table.size).toBe(model.size);
          for (const b of [0, 1, 199, 200, 0xffffff, 0x800000, 0x7fffff]) {
            expect(table.get(b)).toBe(model.get(b) ?? 0);
            expect(probe(table, b)).toBe(model.get(b) ?? 0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('holds many blocks near its maximum load and gives memory back when emptied', () => {
    const table = new BlockTable();
    for (let b = 0; b < 100_000; b++) table.set((b * 7919) & 0xffffff, (b % 127) + 1);
    for (let b = 0; b < 100_000; b++) expect(probe(table, (b * 7919) & 0xffffff)).toBe((b % 127) + 1);
    const full = table.byteLength();
    for (let b = 0; b < 100_000; b++) table.set((b * 7919) & 0xffffff, 0);
    expect(table.size).toBe(0);
    expect(table.byteLength()).toBeLessThan(full / 100);
  }, 30_000);
});
