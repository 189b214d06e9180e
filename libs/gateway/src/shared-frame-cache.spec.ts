import { describe, expect, it } from 'vitest';
import { SharedFrameCache } from './shared-frame-cache';

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('SharedFrameCache', () => {
  it('loads once for every concurrent caller of the same key', async () => {
    const time = clock();
    const cache = new SharedFrameCache<Buffer>(1000, 1 << 20, (b) => b.length, undefined, time.now);
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return Buffer.alloc(10);
    };
    const results = await Promise.all(Array.from({ length: 50 }, () => cache.get('k', load)));
    expect(loads).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(cache.totalBytes).toBe(10);
  });

  it('loads again after the time to live', async () => {
    const time = clock();
    const cache = new SharedFrameCache<Buffer>(1000, 1 << 20, (b) => b.length, undefined, time.now);
    let loads = 0;
    const load = () => Promise.resolve(Buffer.alloc(++loads));
    await cache.get('k', load);
    time.advance(999);
    await cache.get('k', load);
    time.advance(1);
    expect((await cache.get('k', load)).length).toBe(2);
  });

  it('evicts the least recently used entries beyond the byte bound', async () => {
    const time = clock();
    const cache = new SharedFrameCache<Buffer>(10_000, 25, (b) => b.length, undefined, time.now);
    await cache.get('a', () => Promise.resolve(Buffer.alloc(10)));
    await cache.get('b', () => Promise.resolve(Buffer.alloc(10)));
    // A use of the older entry: the next one over the bound evicts 'b', not 'a'.
    expect(cache.peek('a')).toBeDefined();
    await cache.get('c', () => Promise.resolve(Buffer.alloc(10)));
    expect(cache.size).toBe(2);
    expect(cache.totalBytes).toBe(20);
    expect(cache.peek('b')).toBeUndefined();
    let reloaded = false;
    await cache.get('a', () => {
      reloaded = true;
      return Promise.resolve(Buffer.alloc(10));
    });
    expect(reloaded).toBe(false);
  });

  it('keeps an entry stored with its own time to live that long, from when it was stored', async () => {
    const time = clock();
    const cache = new SharedFrameCache<Buffer>(100, 100, (b) => b.length, undefined, time.now);
    await cache.set('long', Promise.resolve(Buffer.alloc(1)), 1000);
    await cache.get('short', () => Promise.resolve(Buffer.alloc(1)));
    time.advance(100);
    expect(cache.peek('short')).toBeUndefined();
    time.advance(899);
    expect(cache.peek('long')).toBeDefined();
    time.advance(1);
    cache.sweep();
    expect(cache.peek('long')).toBeUndefined();
    expect(cache.totalBytes).toBe(0);
  });

  it('counts a replaced value once', async () => {
    const cache = new SharedFrameCache<Buffer>(1000, 100, (b) => b.length);
    await cache.set('k', Promise.resolve(Buffer.alloc(7)));
    await cache.set('k', Promise.resolve(Buffer.alloc(5)));
    expect(cache.totalBytes).toBe(5);
    expect(cache.size).toBe(1);
  });

  it('forgets a failed load so the next caller tries again', async () => {
    const cache = new SharedFrameCache<Buffer>(10_000, 100, (b) => b.length);
    await expect(cache.get('k', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    await expect(cache.get('k', () => Promise.resolve(Buffer.alloc(1)))).resolves.toHaveLength(1);
  });

  it('does not keep values it is told not to retain', async () => {
    const cache = new SharedFrameCache<Buffer | null>(
      10_000,
      100,
      (b) => b?.length ?? 0,
      (b) => b !== null,
    );
    let loads = 0;
    const load = () => Promise.resolve(loads++ === 0 ? null : Buffer.alloc(1));
    expect(await cache.get('k', load)).toBeNull();
    expect(await cache.get('k', load)).toHaveLength(1);
    expect(await cache.get('k', load)).toHaveLength(1);
    expect(loads).toBe(2);
  });

  it('drops expired entries on sweep', async () => {
    const time = clock();
    const cache = new SharedFrameCache<Buffer>(100, 100, (b) => b.length, undefined, time.now);
    await cache.set('k', Promise.resolve(Buffer.alloc(7)));
    await cache.get('j', () => Promise.resolve(Buffer.alloc(3)));
    time.advance(100);
    cache.sweep();
    expect(cache.size).toBe(0);
    expect(cache.totalBytes).toBe(0);
  });
});
