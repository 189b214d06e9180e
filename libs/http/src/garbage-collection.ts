import { setFlagsFromString } from 'node:v8';

/**
 * Makes V8 count the memory behind Buffers (external memory) towards its global heap limit, which grows with the heap,
 * instead of starting a major GC each time external memory grows by a fixed 64 MB. Event ingest allocates several
 * hundred KB of Buffers per 1000-event batch (the attachment read from Redis, the COPY data with its constant
 * columns, socket reads), so at 50 batches a second a process ran about three major GCs a second.
 *
 * Measured (session 10): a synthetic heap of 60 MB with 1 MB of Buffers every 7 ms, 17 major GCs in 6 s without the
 * flag, 1 with it; the ingest bench with it in the gateway and the worker, three alternating 60 s pairs: CPU per
 * event gateway 4.4-6.1 against 6.1-6.5 µs, worker 3.8-4.9 against 5.0-5.5, but resident memory at the end of a run
 * gateway 590-730 against 410-420 MB, worker 400-490 against 330 MB (Buffers wait longer for their collection).
 * Used by the worker, whose memory holds jobs, not connections. Not by the gateway: its memory per agent is what
 * limits how many agents one process holds (deploy/stream runs it with --optimize-for-size for that reason).
 * Set at start: V8 reads the flag whenever it computes its limits.
 */
export function countBuffersInHeapLimit(): void {
  setFlagsFromString('--external-memory-accounted-in-global-limit');
}
