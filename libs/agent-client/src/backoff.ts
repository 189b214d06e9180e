export interface BackoffOptions {
  /** The first retry waits up to this long. */
  baseMs: number;
  /** No retry waits longer than this. */
  capMs: number;
}

/** 1 s doubling up to a minute: a restarted gateway's agents come back spread over time, not at once. */
export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = { baseMs: 1000, capMs: 60_000 };

/**
 * "Full jitter" exponential backoff: a uniformly random wait between 0 and min(cap, base * 2^attempt).
 * Thousands of agents cut off together spread their reconnects evenly instead of arriving in waves.
 */
export function fullJitterDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
