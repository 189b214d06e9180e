import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AddressIndex } from './address-index';
import { BucketTable } from './bucket-table';
import { CidrTable } from './cidr-table';
import { HitBuffer, HitKind } from './hit-buffer';

type Op = { add: true; key: number; value: number } | { add: false; key: number };

/** Keys that collide: a few hundred values plus the key that is the empty marker and the int32 extremes. */
const key = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(0xffffffff, 0x80000000, 0x7fffffff));
const steps: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    fc.record({ add: fc.constant(true as const), key, value: fc.integer({ min: 1, max: 1e6 }) }),
    fc.record({ add: fc.constant(false as const), key }),
  ),
  { maxLength: 400 },
);

/** The exact-address hit AddressIndex.lookup reports (its branch-free probe), or -1. */
function probe(index: AddressIndex, address: number): number {
  const hits = new HitBuffer();
  index.lookup(address, hits, HitKind.DstExact, HitKind.DstNetwork);
  return hits.count === 0 ? -1 : hits.slots[0]!;
}

describe('BucketTable', () => {
  it('behaves like a Map through inserts, removals, growth and shrinking', () => {
    fc.assert(
      fc.property(steps, (run) => {
        const table = new BucketTable();
        const index = new AddressIndex(table, new CidrTable());
        const model = new Map<number, number>();
        for (const step of run) {
          if (step.add) {
            table.setValues(table.insert(step.key), step.value, -step.value);
            model.set(step.key, step.value);
          } else {
            const slot = table.find(step.key);
            expect(slot >= 0).toBe(model.has(step.key));
            expect(probe(index, step.key)).toBe(slot);
            if (slot >= 0) table.removeAt(slot);
            model.delete(step.key);
          }
        }
        expect(table.size).toBe(model.size);
        for (const [key, value] of model) {
          const slot = table.find(key);
          expect(probe(index, key)).toBe(slot);
          expect(table.value0(slot)).toBe(value);
          expect(table.value1(slot)).toBe(-value);
        }
        const seen: number[] = [];
        table.forEachSlot((slot) => seen.push(table.keyAt(slot) >>> 0));
        expect(seen.sort((a, b) => a - b)).toEqual([...model.keys()].sort((a, b) => a - b));
      }),
      { numRuns: 300 },
    );
  }, 30_000);

  it('finds every key and no other near its maximum load, where most inserts displaced others', () => {
    let state = 7;
    const random = (): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return state >>> 0;
    };
    const table = BucketTable.forCount(58_000);
    const capacity = table.capacity;
    const keys = new Set<number>();
    while (keys.size < 58_000) keys.add(random());
    for (const key of keys) table.setValues(table.insert(key), key | 0, 1);
    expect(table.capacity).toBe(capacity);
    const index = new AddressIndex(table, new CidrTable());
    for (const key of keys) {
      const slot = probe(index, key);
      expect(table.keyAt(slot) >>> 0).toBe(key);
      expect(table.value0(slot)).toBe(key | 0);
    }
    for (let i = 0; i < 20_000; i++) {
      const other = random();
      if (!keys.has(other)) expect(probe(index, other)).toBe(-1);
    }
  }, 30_000);

  it('gives memory back when emptied', () => {
    const table = new BucketTable();
    for (let key = 0; key < 50_000; key++) table.insert(key);
    const full = table.byteLength();
    for (let key = 0; key < 50_000; key++) table.removeAt(table.find(key));
    expect(table.size).toBe(0);
    expect(table.byteLength()).toBeLessThan(full / 100);
  });
});
