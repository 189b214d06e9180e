import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobQueue, JobQueueClosedError, type JobContext } from './job-queue';
import { MessagingHealth } from './messaging-health';
import { MessagingModule } from './messaging.module';
import { PubSub } from './pub-sub';
import { defineQueue } from './queue-definition';
import { deleteRedisKeys } from './testing';

// One suite, two implementations: whatever holds for BullMQ on Redis must hold in process.

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Work {
  readonly n: number;
}
const work = defineQueue<Work>('test-work', { attempts: 3, backoffMs: 50 });

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  { backend: 'Redis (BullMQ, sharded pub/sub)', redisUrl: REDIS_URL },
  { backend: 'in process', redisUrl: undefined },
])('messaging on $backend', ({ redisUrl }) => {
  let prefix: string;
  let app: INestApplicationContext;
  let jobs: JobQueue;
  let pubsub: PubSub;
  let closed = false;

  beforeEach(async () => {
    prefix = `test-${randomUUID()}`;
    app = await NestFactory.createApplicationContext(MessagingModule.forRoot({ redisUrl, prefix }), {
      logger: false,
    });
    jobs = app.get(JobQueue);
    pubsub = app.get(PubSub);
    closed = false;
  });

  afterEach(async () => {
    if (!closed) await app.close();
    if (redisUrl) await deleteRedisKeys(`${prefix}:*`);
  });

  describe('jobs', () => {
    it('runs an enqueued job later, with its payload and context', async () => {
      const seen: Array<{ payload: Work; job: JobContext }> = [];
      await jobs.process(work, (payload, job) => {
        seen.push({ payload, job });
        return Promise.resolve();
      });
      await jobs.enqueue(work, { n: 7 }, { jobId: 'job-7' });
      expect(seen).toEqual([]);
      await until(() => seen.length === 1);
      expect(seen[0]).toEqual({ payload: { n: 7 }, job: { id: 'job-7', attempt: 1, attempts: 3 } });
    });

    it('keeps jobs enqueued before any worker until one starts', async () => {
      const seen: number[] = [];
      await jobs.enqueue(work, { n: 1 }, { jobId: 'early-1' });
      await jobs.enqueue(work, { n: 2 }, { jobId: 'early-2' });
      await sleep(100);
      await jobs.process(work, ({ n }) => {
        seen.push(n);
        return Promise.resolve();
      });
      await until(() => seen.length === 2);
      expect(seen.sort()).toEqual([1, 2]);
    });

    it('retries a failed attempt after a backoff, and stops once it succeeds', async () => {
      const attempts: Array<{ attempt: number; at: number }> = [];
      await jobs.process(work, (_payload, job) => {
        attempts.push({ attempt: job.attempt, at: Date.now() });
        return job.attempt === 1 ? Promise.reject(new Error('transient')) : Promise.resolve();
      });
      await jobs.enqueue(work, { n: 1 }, { jobId: 'flaky' });
      await until(() => attempts.length === 2);
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
      expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(45);
      await sleep(300);
      expect(attempts).toHaveLength(2);
    });

    it('gives up after the last attempt, with exponentially growing waits', async () => {
      const times: number[] = [];
      await jobs.process(work, () => {
        times.push(Date.now());
        return Promise.reject(new Error('permanent'));
      });
      await jobs.enqueue(work, { n: 1 }, { jobId: 'doomed' });
      await until(() => times.length === 3);
      // 50 ms before the second run, 100 ms before the third.
      expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(95);
      await sleep(500);
      expect(times).toHaveLength(3);
    });

    it('runs a job once however often its jobId is enqueued while it is pending', async () => {
      const seen: number[] = [];
      await Promise.all([1, 2, 3].map((n) => jobs.enqueue(work, { n }, { jobId: 'same-work' })));
      await jobs.process(work, ({ n }) => {
        seen.push(n);
        return Promise.resolve();
      });
      await until(() => seen.length > 0);
      await sleep(200);
      expect(seen).toEqual([1]);
    });

    it('ignores a jobId that recently completed or finally failed', async () => {
      const seen: string[] = [];
      await jobs.process(work, (_payload, job) => {
        seen.push(`${job.id}#${job.attempt}`);
        return job.id === 'bad' ? Promise.reject(new Error('no')) : Promise.resolve();
      });
      await jobs.enqueue(work, { n: 1 }, { jobId: 'good' });
      await jobs.enqueue(work, { n: 1 }, { jobId: 'bad' });
      await until(() => seen.length === 4);
      await sleep(100);
      await jobs.enqueue(work, { n: 2 }, { jobId: 'good' });
      await jobs.enqueue(work, { n: 2 }, { jobId: 'bad' });
      await sleep(300);
      expect(seen.sort()).toEqual(['bad#1', 'bad#2', 'bad#3', 'good#1']);
    });

    it('forgets completed jobs beyond its queue keeps, so their id runs again', async () => {
      const forgetful = defineQueue<{ n: number }>('forgetful-work', { keepCompleted: 0 });
      const seen: number[] = [];
      await jobs.process(forgetful, ({ n }) => {
        seen.push(n);
        return Promise.resolve();
      });
      await jobs.enqueue(forgetful, { n: 1 }, { jobId: 'once-more' });
      await until(() => seen.length === 1);
      await sleep(100);
      await jobs.enqueue(forgetful, { n: 2 }, { jobId: 'once-more' });
      await until(() => seen.length === 2);
      expect(seen).toEqual([1, 2]);
    });

    it('runs up to `concurrency` jobs of a queue at once', async () => {
      let running = 0;
      let peak = 0;
      let done = 0;
      await jobs.process(
        work,
        async () => {
          peak = Math.max(peak, ++running);
          await sleep(100);
          running--;
          done++;
        },
        { concurrency: 3 },
      );
      await Promise.all([1, 2, 3, 4, 5, 6].map((n) => jobs.enqueue(work, { n }, { jobId: `c-${n}` })));
      await until(() => done === 6);
      expect(peak).toBe(3);
    });

    it('hands a job its attachment, piece by piece as UTF-8 bytes, on every attempt', async () => {
      // One piece above V8's large-object size, one with text that is not ASCII.
      const pieces = ['grüße|1\n', 'x'.repeat(200_000), ''];
      const seen: Array<{ id: string; attempt: number; attachment?: readonly Buffer[] }> = [];
      await jobs.process(work, (_payload, job) => {
        seen.push({
          id: job.id,
          attempt: job.attempt,
          ...(job.attachment && { attachment: job.attachment }),
        });
        return job.id === 'attached' && job.attempt === 1
          ? Promise.reject(new Error('once'))
          : Promise.resolve();
      });
      await jobs.enqueue(work, { n: 1 }, { jobId: 'attached', attachment: pieces });
      await jobs.enqueue(work, { n: 2 }, { jobId: 'plain' });
      await until(() => seen.length === 3);
      const expected = pieces.map((piece) => Buffer.from(piece));
      expect(seen.find((run) => run.id === 'plain')).toEqual({ id: 'plain', attempt: 1 });
      const attached = seen.filter((run) => run.id === 'attached');
      expect(attached.map((run) => run.attempt)).toEqual([1, 2]);
      for (const run of attached) expect(run.attachment).toEqual(expected);
    });

    it('refuses job ids that BullMQ cannot store', async () => {
      await expect(jobs.enqueue(work, { n: 1 }, { jobId: 'a:b' })).rejects.toThrow('invalid job id');
      await expect(jobs.enqueue(work, { n: 1 }, { jobId: '42' })).rejects.toThrow('invalid job id');
    });

    it('lets the running job finish on close, then refuses new jobs', async () => {
      let finished = false;
      let started = false;
      await jobs.process(work, async () => {
        started = true;
        await sleep(300);
        finished = true;
      });
      await jobs.enqueue(work, { n: 1 }, { jobId: 'slow' });
      await until(() => started);
      await app.close();
      closed = true;
      expect(finished).toBe(true);
      await expect(jobs.enqueue(work, { n: 2 }, { jobId: 'late' })).rejects.toThrow(JobQueueClosedError);
    });
  });

  describe('pub/sub', () => {
    it('delivers a message to every subscriber of its channel and to no other', async () => {
      const received: string[] = [];
      await pubsub.subscribe('stream-1', (message) => received.push(`a:${message.toString()}`));
      await pubsub.subscribe('stream-1', (message) => received.push(`b:${message.toString()}`));
      await pubsub.subscribe('stream-2', (message) => received.push(`c:${message.toString()}`));
      await pubsub.publish('stream-1', 'seq 5');
      await until(() => received.length === 2);
      await sleep(100);
      expect(received.sort()).toEqual(['a:seq 5', 'b:seq 5']);
    });

    it('delivers binary messages byte for byte, in publish order', async () => {
      const received: Buffer[] = [];
      await pubsub.subscribe('frames', (message) => received.push(message));
      const frames = [Buffer.from([0, 255, 1, 254]), Buffer.from([0xde, 0xad, 0xbe, 0xef]), Buffer.alloc(0)];
      for (const frame of frames) await pubsub.publish('frames', frame);
      await until(() => received.length === 3);
      expect(received).toEqual(frames);
    });

    it('stops delivering to a subscriber after it unsubscribes', async () => {
      const received: string[] = [];
      const unsubscribe = await pubsub.subscribe('stream-3', (message) =>
        received.push(`a:${message.toString()}`),
      );
      await pubsub.subscribe('stream-3', (message) => received.push(`b:${message.toString()}`));
      await unsubscribe();
      await pubsub.publish('stream-3', 'after');
      await until(() => received.length === 1);
      await sleep(100);
      expect(received).toEqual(['b:after']);
    });
  });

  it('answers the readiness ping', async () => {
    await expect(app.get(MessagingHealth).ping()).resolves.toBeUndefined();
  });
});

describe('pub/sub on Redis across processes', () => {
  it('delivers a message published by one process to the subscribers of another', async () => {
    const prefix = `test-${randomUUID()}`;
    const [publisher, subscriber] = await Promise.all(
      [1, 2].map(() =>
        NestFactory.createApplicationContext(MessagingModule.forRoot({ redisUrl: REDIS_URL, prefix }), {
          logger: false,
        }),
      ),
    );
    try {
      const received: string[] = [];
      await subscriber!.get(PubSub).subscribe('fan-out', (message) => received.push(message.toString()));
      await publisher!.get(PubSub).publish('fan-out', 'hello');
      await until(() => received.length === 1);
      expect(received).toEqual(['hello']);
    } finally {
      await Promise.all([publisher!.close(), subscriber!.close()]);
      await deleteRedisKeys(`${prefix}:*`);
    }
  });
});
