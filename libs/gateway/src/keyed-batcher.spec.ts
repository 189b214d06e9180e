import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeyedBatcher } from './keyed-batcher';

describe('KeyedBatcher', () => {
  afterEach(() => vi.useRealTimers());

  function maxBatcher(write: (batch: ReadonlyMap<string, number>) => Promise<void>, maxKeys = 100) {
    return new KeyedBatcher<number>({
      name: 'test',
      intervalMs: 250,
      maxKeys,
      merge: (a, b) => Math.max(a, b),
      write,
    });
  }

  it('writes what collected every interval, one value per key', async () => {
    vi.useFakeTimers();
    const batches: Record<string, number>[] = [];
    const batcher = maxBatcher((batch) => {
      batches.push(Object.fromEntries(batch));
      return Promise.resolve();
    });
    batcher.add('a', 1);
    batcher.add('a', 3);
    batcher.add('a', 2);
    batcher.add('b', 1);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(250);
    expect(batches).toEqual([{ a: 3, b: 1 }]);
    await vi.advanceTimersByTimeAsync(250);
    expect(batches).toHaveLength(1);
    await batcher.close();
  });

  it('flushes at once when enough keys are waiting', async () => {
    const sizes: number[] = [];
    const batcher = maxBatcher((batch) => {
      sizes.push(batch.size);
      return Promise.resolve();
    }, 3);
    batcher.add('a', 1);
    batcher.add('b', 1);
    batcher.add('c', 1);
    await batcher.flush();
    expect(sizes).toEqual([3]);
    await batcher.close();
  });

  it('keeps a failed batch for the next flush, merged under newer values', async () => {
    let fail = true;
    const written: Record<string, number>[] = [];
    const batcher = maxBatcher((batch) => {
      if (fail) return Promise.reject(new Error('database down'));
      written.push(Object.fromEntries(batch));
      return Promise.resolve();
    });
    batcher.add('a', 5);
    batcher.add('b', 1);
    await batcher.flush();
    batcher.add('b', 2);
    fail = false;
    await batcher.flush();
    expect(written).toEqual([{ a: 5, b: 2 }]);
    await batcher.close();
  });

  it('writes one batch at a time and writes the rest on close', async () => {
    let active = 0;
    let maxActive = 0;
    const seen: string[] = [];
    const batcher = maxBatcher(async (batch) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(...batch.keys());
      active--;
    });
    batcher.add('a', 1);
    const first = batcher.flush();
    batcher.add('b', 1);
    const second = batcher.flush();
    batcher.add('c', 1);
    await Promise.all([first, second, batcher.close()]);
    expect(maxActive).toBe(1);
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
  });
});
