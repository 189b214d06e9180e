import { describe, expect, it } from 'vitest';
import { FrameRateLimit } from './frame-rate-limit';

describe('FrameRateLimit', () => {
  it('lets a burst through, then refuses until tokens come back at the sustained rate', () => {
    const limit = new FrameRateLimit(3, 10, 0);
    expect([limit.take(0), limit.take(0), limit.take(0), limit.take(0)]).toEqual([true, true, true, false]);
    expect(limit.take(50)).toBe(false);
    expect(limit.take(100)).toBe(true);
    expect(limit.take(100)).toBe(false);
  });

  it('never stores more than the burst, however long the connection was quiet', () => {
    const limit = new FrameRateLimit(2, 10, 0);
    const taken = Array.from({ length: 5 }, () => limit.take(60_000));
    expect(taken).toEqual([true, true, false, false, false]);
  });

  it('holds a steady sender at the sustained rate', () => {
    const limit = new FrameRateLimit(5, 20, 0);
    let accepted = 0;
    for (let t = 0; t <= 10_000; t += 10) if (limit.take(t)) accepted++;
    // 10 s at 20/s plus the initial burst of 5.
    expect(accepted).toBeGreaterThanOrEqual(200);
    expect(accepted).toBeLessThanOrEqual(206);
  });
});
