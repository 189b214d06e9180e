import fc from 'fast-check';
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

  it('counts a value kept under two keys once, and releases it with the last of them', async () => {
    const cache = new SharedFrameCache<Buffer>(1000, 100, (b) => b.length);
    const frame = Promise.resolve(Buffer.alloc(30));
    await cache.set('latest', frame);
    await cache.set(
      'from 1:5',
      frame.then((b) => b),
    );
    expect(cache.totalBytes).toBe(30);
    await cache.set('latest', Promise.resolve(Buffer.alloc(10)));
    expect(cache.totalBytes).toBe(40);
    await cache.set('from 1:5', Promise.resolve(Buffer.alloc(1)));
    expect(cache.totalBytes).toBe(11);
  });
});

describe('SharedFrameCache copies of kept values', () => {
  /** A copy twice the size of its value, as a frame laid out again in a larger format. */
  const doubled = (value: Buffer) => () => Promise.resolve(Buffer.alloc(2 * value.length));

  it('makes a copy once for every caller and counts its bytes when it settles', async () => {
    const cache = new SharedFrameCache<Buffer>(1000, 1000, (b) => b.length);
    const frame = await cache.set('k', Promise.resolve(Buffer.alloc(10)));
    let makes = 0;
    const make = () => {
      makes++;
      return doubled(frame)();
    };
    const pending = cache.copyOf(frame, 'entries-v1', make);
    expect(cache.totalBytes).toBe(10);
    const copies = await Promise.all([pending, cache.copyOf(frame, 'entries-v1', make)]);
    expect(makes).toBe(1);
    expect(copies[0]).toBe(copies[1]);
    expect(cache.totalBytes).toBe(30);
    expect(await cache.copyOf(frame, 'entries-v1', make)).toBe(copies[0]);
    expect(makes).toBe(1);
    // Another name is another copy.
    await cache.copyOf(frame, 'other', () => Promise.resolve(Buffer.alloc(5)));
    expect(cache.totalBytes).toBe(35);
  });

  it('releases the copies with their value when its entry expires (peek or sweep) or is replaced', async () => {
    const time = clock();
    const cache = new SharedFrameCache<Buffer>(100, 1000, (b) => b.length, undefined, time.now);
    const a = await cache.set('a', Promise.resolve(Buffer.alloc(10)));
    const b = await cache.set('b', Promise.resolve(Buffer.alloc(20)), 200);
    const c = await cache.set('c', Promise.resolve(Buffer.alloc(5)), 1000);
    await cache.copyOf(a, 'entries-v1', doubled(a));
    await cache.copyOf(b, 'entries-v1', doubled(b));
    await cache.copyOf(c, 'entries-v1', doubled(c));
    expect(cache.totalBytes).toBe(3 * 35);
    time.advance(100);
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.totalBytes).toBe(60 + 15);
    time.advance(100);
    cache.sweep();
    expect(cache.totalBytes).toBe(15);
    await cache.set('c', Promise.resolve(Buffer.alloc(1)));
    expect(cache.totalBytes).toBe(1);
    // The copy went with its value: asking again makes a new one.
    let made = false;
    await cache.copyOf(c, 'entries-v1', () => {
      made = true;
      return doubled(c)();
    });
    expect(made).toBe(true);
    expect(cache.totalBytes).toBe(1);
  });

  it('makes room for a copy by evicting older entries first, keeping the value it was made of', async () => {
    const cache = new SharedFrameCache<Buffer>(1000, 100, (b) => b.length);
    await cache.set('old', Promise.resolve(Buffer.alloc(30)));
    const frame = await cache.set('frame', Promise.resolve(Buffer.alloc(20)));
    await cache.set('recent', Promise.resolve(Buffer.alloc(30)));
    expect(cache.totalBytes).toBe(80);
    // 40 bytes more: 'old' goes, then 'recent' is the least recently used (the copy is a use of 'frame').
    const copy = await cache.copyOf(frame, 'entries-v1', doubled(frame));
    expect(cache.totalBytes).toBe(90);
    expect(cache.peek('old')).toBeUndefined();
    // (Not a peek of 'frame': that would be a use of it; a copy asked for again is not.)
    expect(await cache.copyOf(frame, 'entries-v1', doubled(frame))).toBe(copy);
    await cache.copyOf(frame, 'other', () => Promise.resolve(Buffer.alloc(20)));
    expect(cache.totalBytes).toBe(80);
    expect(cache.peek('recent')).toBeUndefined();
    expect(cache.peek('frame')).toBeDefined();
  });

  it('never keeps more than the bound: a value whose copy does not fit goes with it', async () => {
    const cache = new SharedFrameCache<Buffer>(1000, 50, (b) => b.length);
    const frame = await cache.set('frame', Promise.resolve(Buffer.alloc(20)));
    const copy = await cache.copyOf(frame, 'entries-v1', doubled(frame));
    expect(copy).toHaveLength(40);
    expect(cache.size).toBe(0);
    expect(cache.totalBytes).toBe(0);
  });

  it('keeps no copy of a value it does not hold, nor a failed one, nor one whose value went while it was made', async () => {
    const cache = new SharedFrameCache<Buffer>(1000, 1000, (b) => b.length);
    const stranger = Buffer.alloc(10);
    expect(await cache.copyOf(stranger, 'entries-v1', doubled(stranger))).toHaveLength(20);
    expect(cache.totalBytes).toBe(0);

    const frame = await cache.set('frame', Promise.resolve(Buffer.alloc(10)));
    await expect(
      cache.copyOf(frame, 'entries-v1', () => Promise.reject(new Error('bad body'))),
    ).rejects.toThrow('bad body');
    expect(cache.totalBytes).toBe(10);
    expect(await cache.copyOf(frame, 'entries-v1', doubled(frame))).toHaveLength(20);
    expect(cache.totalBytes).toBe(30);

    const other = await cache.set('other', Promise.resolve(Buffer.alloc(10)));
    const making = cache.copyOf(other, 'entries-v1', doubled(other));
    await cache.set('other', Promise.resolve(Buffer.alloc(1)));
    await making;
    expect(cache.totalBytes).toBe(31);
  });

  it('counts exactly what it keeps and never more than the bound, whatever the uses, copies and expiries', async () => {
    const MAX = 100;
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        key: fc.integer({ min: 0, max: 5 }),
        size: fc.integer({ min: 0, max: 60 }),
        ttl: fc.integer({ min: 1, max: 50 }),
      }),
      fc.record({
        kind: fc.constant('alias' as const),
        from: fc.integer({ min: 0, max: 5 }),
        key: fc.integer({ min: 0, max: 5 }),
      }),
      fc.record({
        kind: fc.constant('copy' as const),
        key: fc.integer({ min: 0, max: 5 }),
        name: fc.constantFrom('x', 'y'),
        size: fc.integer({ min: 0, max: 80 }),
      }),
      fc.record({ kind: fc.constant('peek' as const), key: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 30 }) }),
      fc.constant({ kind: 'sweep' as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const time = clock();
        const sizes = new Map<object, number>();
        const copiesOf = new Map<object, Map<string, object>>();
        const cache = new SharedFrameCache<object>(20, MAX, (v) => sizes.get(v)!, undefined, time.now);
        const value = (size: number) => {
          const made = {};
          sizes.set(made, size);
          return made;
        };
        for (const step of ops) {
          switch (step.kind) {
            case 'set':
              await cache.set(`k${step.key}`, Promise.resolve(value(step.size)), step.ttl);
              break;
            case 'alias': {
              const held = cache.peek(`k${step.from}`);
              if (held) await cache.set(`k${step.key}`, held);
              break;
            }
            case 'copy': {
              const held = cache.peek(`k${step.key}`);
              if (!held) break;
              const of = await held;
              const copy = await cache.copyOf(of, step.name, () => Promise.resolve(value(step.size)));
              const copies = copiesOf.get(of) ?? new Map<string, object>();
              copies.set(step.name, copy);
              copiesOf.set(of, copies);
              break;
            }
            case 'peek':
              void cache.peek(`k${step.key}`);
              break;
            case 'advance':
              time.advance(step.ms);
              break;
            case 'sweep':
              cache.sweep();
              break;
          }
          expect(cache.totalBytes).toBeLessThanOrEqual(MAX);
          // What is reachable: each distinct live value once, and the copies it would hand out again.
          cache.sweep();
          let reachable = 0;
          const seen = new Set<object>();
          for (let key = 0; key <= 5; key++) {
            const held = cache.peek(`k${key}`);
            if (!held) continue;
            const of = await held;
            if (seen.has(of)) continue;
            seen.add(of);
            reachable += sizes.get(of)!;
            for (const [name, copy] of copiesOf.get(of) ?? []) {
              const again = await cache.copyOf(of, name, () => Promise.resolve(value(0)));
              if (again === copy) reachable += sizes.get(copy)!;
            }
          }
          expect(cache.totalBytes).toBe(reachable);
        }
        time.advance(100);
        cache.sweep();
        expect(cache.totalBytes).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
