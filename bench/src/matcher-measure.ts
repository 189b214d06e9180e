// Timing helpers for the matcher benchmarks. Time is this thread's CPU time (process.threadCpuUsage), not wall
// time: the targets are for one core, and on a shared 2-core machine wall time mostly measures the neighbours.
// Baselines are timed the same way in the same process, so ratios hold either way.

/** This thread's CPU time in nanoseconds. */
export function cpuNow(): number {
  const usage = process.threadCpuUsage();
  return (usage.user + usage.system) * 1000;
}

export interface Throughput {
  /** Median over the timed rounds. */
  perSecond: number;
  /** The fastest round: on a shared machine the neighbours only ever slow a round down (CPU time still pays for
   *  the cache lines they evicted), so this is the nearest figure to a quiet machine's. */
  best: number;
  /** Whatever the loop returned (hit counts), so the work is not optimized away and hit rates can be checked. */
  result: number;
}

/** A timed round runs the loop until this much CPU time has passed: the thread's CPU clock advances in steps of
 *  about 4 ms here (the scheduler tick), so a 35 ms round (1M lookups at 30M/s) read one step off is 11% off. */
const MIN_ROUND_NS = 250e6;

/** Runs `loop` (which does `ops` operations) once to warm up, then `rounds` rounds of at least MIN_ROUND_NS
 *  each (whole loops); the median rate. */
export function throughput(ops: number, loop: () => number, rounds = 5): Throughput {
  let result = loop();
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = cpuNow();
    let loops = 0;
    let elapsed = 0;
    do {
      result = loop();
      loops++;
      elapsed = cpuNow() - start;
    } while (elapsed < MIN_ROUND_NS);
    rates.push((ops * loops * 1e9) / elapsed);
  }
  return { perSecond: median(rates), best: Math.max(...rates), result };
}

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

/** Times `run` `times` times (after `warmup` untimed runs), in milliseconds. Each run starts after a full GC, so
 *  it does not pay for the garbage of the runs before it (a build or a load happens once, not in a loop). */
export function latency(times: number, run: () => void, warmup = 1): Latency {
  for (let i = 0; i < warmup; i++) run();
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    gc();
    const start = cpuNow();
    run();
    samples.push((cpuNow() - start) / 1e6);
  }
  return summarize(samples);
}

export function summarize(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number =>
    round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  return {
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    mean: round(sorted.reduce((s, x) => s + x, 0) / sorted.length),
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function round(value: number, digits = 3): number {
  return Number(value.toPrecision(digits));
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
