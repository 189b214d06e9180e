/**
 * A token bucket per connection, kept as two numbers on the connection (no timer): each frame
 * takes a token; tokens come back at `perSecond` up to `burst`. A legitimate agent sends a
 * handful of acks per second; a flood runs the bucket dry and is refused.
 */
export class FrameRateLimit {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = burst;
    this.refilledAt = now;
  }

  /** Takes one token; false when there is none left. */
  take(now: number): boolean {
    const elapsed = now - this.refilledAt;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
      this.refilledAt = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
