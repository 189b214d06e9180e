import type { SnapshotBodyFormat, StreamId } from '@threatline/protocol';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EncodedSnapshot, SnapshotPosition } from './snapshot-encoding';

/** What a worker is asked: lay out an indicator stream's columns-v1 text, or a frame in another format. */
export type EncoderJob =
  | { kind: 'indicators'; streamId: StreamId; position: SnapshotPosition; count: number; text: string }
  | { kind: 'convert'; streamId: StreamId; frame: Uint8Array; format: SnapshotBodyFormat };

/** A worker's answer: the frame's own ArrayBuffer, transferred. */
export type EncoderReply =
  { ok: true; format: SnapshotBodyFormat; frame: ArrayBuffer } | { ok: false; message: string };

/**
 * The built worker script. The sources (tests) start it from the build as well: a worker runs on plain Node, with no
 * TypeScript loader.
 */
const WORKER_SCRIPT = resolve(
  __dirname,
  __filename.endsWith('.ts') ? '../dist' : '.',
  'snapshot-encoder.worker.js',
);

interface Pending {
  job: EncoderJob;
  transfer: ArrayBuffer[];
  settle: (reply: EncoderReply | Error) => void;
}

/**
 * Encodes whole indicator snapshots on worker threads (snapshot-encoding.ts does the work): the parse, lay-out and
 * gzip of a 100,000-indicator snapshot take 60-120 ms of CPU, during which an event loop would answer no other agent
 * (no live delta, no ack, no ping). Jobs wait in order for one of `threads` workers; the frames come back by transfer.
 * The workers start with the encoder: a worker takes a few hundred ms to start and load its modules, which the first
 * snapshot of a gateway just started would otherwise wait for. An idle worker does not keep the process alive.
 */
export class SnapshotEncoder {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private closed = false;

  private readonly threads: number;

  /** `threads` below 1 counts as 1: with no worker, jobs would wait forever. */
  constructor(threads: number) {
    this.threads = Math.max(1, Math.floor(threads));
    for (let started = 0; started < this.threads; started++) this.idle.push(this.start());
  }

  /** An indicator stream's snapshot, read as columns-v1 text: see encodeIndicatorSnapshot. */
  indicatorSnapshot(
    streamId: StreamId,
    position: SnapshotPosition,
    count: number,
    text: string,
  ): Promise<EncodedSnapshot> {
    const { epoch, seq, checksum } = position;
    return this.run({ kind: 'indicators', streamId, position: { epoch, seq, checksum }, count, text }, []);
  }

  /** A snapshot frame in another format: see snapshotInFormat. `frame` is copied, never taken. */
  async inFormat(streamId: StreamId, frame: Uint8Array, format: SnapshotBodyFormat): Promise<Uint8Array> {
    // Not Buffer's slice, which is a view: the copy's buffer is transferred, and the frame stays the caller's.
    const copy = new Uint8Array(frame);
    const encoded = await this.run({ kind: 'convert', streamId, frame: copy, format }, [copy.buffer]);
    return encoded.frame;
  }

  /** Stops the workers; jobs not done are refused. */
  async close(): Promise<void> {
    this.closed = true;
    const stopping = new Error('snapshot encoder closed');
    for (const pending of this.queue.splice(0)) pending.settle(stopping);
    const workers = [...this.idle.splice(0), ...this.busy.keys()];
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private run(job: EncoderJob, transfer: ArrayBuffer[]): Promise<EncodedSnapshot> {
    if (this.closed) return Promise.reject(new Error('snapshot encoder closed'));
    return new Promise((resolve, reject) => {
      const settle = (reply: EncoderReply | Error): void => {
        if (reply instanceof Error) reject(reply);
        else if (!reply.ok) reject(new Error(reply.message));
        else resolve({ format: reply.format, frame: new Uint8Array(reply.frame) });
      };
      this.queue.push({ job, transfer, settle });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      // A worker lost is replaced when a job needs it.
      const worker = this.idle.pop() ?? (this.busy.size < this.threads ? this.start() : undefined);
      if (worker === undefined) return;
      const pending = this.queue.shift()!;
      this.busy.set(worker, pending);
      // A worker at work keeps the process alive until it answers, as any pending I/O would.
      worker.ref();
      worker.postMessage(pending.job, pending.transfer);
    }
  }

  private start(): Worker {
    // No flags of the main thread's: under the tests' `--conditions development` the built worker would import the
    // libraries' TypeScript sources.
    const worker = new Worker(WORKER_SCRIPT, { execArgv: [] });
    worker.unref();
    worker.on('message', (reply: EncoderReply) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      worker.unref();
      this.idle.push(worker);
      pending?.settle(reply);
      this.dispatch();
    });
    // A worker that failed (out of memory, a crash) is dropped with its job; the next job starts another.
    const lost = (error: Error): void => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      pending?.settle(error);
      if (!this.closed) this.dispatch();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`snapshot encoder worker exited with code ${code}`)));
    return worker;
  }
}
