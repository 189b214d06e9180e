import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_BUCKET,
  BlockTable,
  PAYLOAD_BITS,
  PAYLOAD_MASK,
  blockBucket1,
  blockBucket2,
  bucketGeometry,
} from './block-table';

/** What AddressIndex.lookup reads for a block: the OR of the words of both buckets whose high bits are the block. */
function probe(table: BlockTable, block: number): number {
  let payload = 0;
  for (const bucket of [
    blockBucket1(block, table.shift, table.scale),
    blockBucket2(block, table.shift, table.scale),
  ]) {
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

  it('gives every table a bucket count whose two hashes stay in range and reach every bucket', () => {
    for (const count of [0, 1, 10, 11, 12, 13, 100, 1000, 4097, 145_695, 300_000]) {
      const table = BlockTable.forCount(count);
      expect(bucketGeometry(table.buckets)).toEqual([table.shift, table.scale]);
      expect(table.scale).toBeGreaterThanOrEqual(4);
      expect(table.scale).toBeLessThanOrEqual(7);
      // Built at about the target load, at most a quarter under it.
      expect(table.words.length).toBeGreaterThanOrEqual(count / 0.65);
      expect(table.words.length).toBeLessThanOrEqual(Math.max(16, (count / 0.65) * 1.25 + 16));
      if (table.buckets > 4096) continue;
      const reached = new Set<number>();
      for (let block = 0; block < table.buckets * 64; block++) {
        reached.add(blockBucket1(block, table.shift, table.scale));
        reached.add(blockBucket2(block, table.shift, table.scale));
      }
      expect(reached.size).toBe(table.buckets);
      expect(Math.min(...reached)).toBe(0);
      expect(Math.max(...reached)).toBe(table.buckets - 1);
    }
    for (const buckets of [7, 9, 17, 36, 72, 1000.5]) expect(bucketGeometry(buckets)).toBeNull();
    for (const buckets of [8, 10, 12, 14, 16, 20, 28, 5 << 20])
      expect(bucketGeometry(buckets)).not.toBeNull();
  });
});
