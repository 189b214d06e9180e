import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobQueue, type JobContext } from '../job-queue';
import { MessagingModule } from '../messaging.module';
import { defineQueue } from '../queue-definition';
import { deleteRedisKeys, TEST_REDIS_URL } from '../testing';
import { JobAttachments } from './job-attachments';

// The life of a BullMQ job's attachment in Redis: written before the job, deleted once it completes, kept while it
// may still run, and swept when a crash or a duplicate left it behind.

const bulk = defineQueue<{ n: number }>('test-bulk', { attempts: 2, backoffMs: 20 });

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('job attachments on Redis', () => {
  let prefix: string;
  let app: INestApplicationContext;
  let jobs: JobQueue;
  let redis: Redis;
  let attachments: JobAttachments;
  const key = (jobId: string) => `${prefix}:${bulk.name}:attachment:${jobId}`;
  const runs: JobContext[] = [];

  beforeEach(async () => {
    prefix = `test-${randomUUID()}`;
    app = await NestFactory.createApplicationContext(
      MessagingModule.forRoot({ redisUrl: TEST_REDIS_URL, prefix }),
      { logger: false },
    );
    jobs = app.get(JobQueue);
    redis = new Redis(TEST_REDIS_URL);
    attachments = new JobAttachments(redis, prefix);
    runs.length = 0;
  });

  afterEach(async () => {
    await app.close();
    redis.disconnect();
    await deleteRedisKeys(`${prefix}:*`);
  });

  async function processFailing(failing: ReadonlySet<string> = new Set()): Promise<void> {
    await jobs.process(bulk, (_payload, job) => {
      runs.push(job);
      return failing.has(job.id) ? Promise.reject(new Error('failing')) : Promise.resolve();
    });
  }

  it('is in Redis before its job, and deleted once the job completes', async () => {
    await jobs.enqueue(bulk, { n: 1 }, { jobId: 'done', attachment: ['a\n', 'b\n'] });
    expect(await attachments.read(bulk.name, 'done')).toEqual([Buffer.from('a\n'), Buffer.from('b\n')]);
    await processFailing();
    await until(async () => (await redis.exists(key('done'))) === 0);
    expect(runs.map((run) => run.attachment)).toEqual([[Buffer.from('a\n'), Buffer.from('b\n')]]);
  });

  it('stays while its job may still run: waiting, or failed for good and kept in the failed set', async () => {
    await jobs.enqueue(bulk, { n: 1 }, { jobId: 'waiting', attachment: ['w\n'] });
    await processFailing(new Set(['failed']));
    await jobs.enqueue(bulk, { n: 2 }, { jobId: 'failed', attachment: ['f\n'] });
    await until(() => runs.filter((run) => run.id === 'failed').length === 2);
    await until(async () => (await redis.exists(key('waiting'))) === 0);
    // The failed job's rows are still there to be looked at or retried, and a sweep leaves them, however old.
    expect(await attachments.sweep(bulk.name, 0)).toBe(0);
    expect(await attachments.read(bulk.name, 'failed')).toEqual([Buffer.from('f\n')]);
  });

  it('is kept by a sweep while its job waits, however old', async () => {
    await jobs.enqueue(bulk, { n: 1 }, { jobId: 'queued', attachment: ['q\n'] });
    expect(await attachments.sweep(bulk.name, 0)).toBe(0);
    expect(await redis.exists(key('queued'))).toBe(1);
  });

  it('is swept without a job only past the grace period (an enqueue that died after writing it)', async () => {
    await attachments.write(bulk.name, 'orphan', ['o\n']);
    expect(await attachments.sweep(bulk.name, 60_000)).toBe(0);
    expect(await redis.exists(key('orphan'))).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await attachments.sweep(bulk.name, 1)).toBe(1);
    expect(await redis.exists(key('orphan'))).toBe(0);
  });

  it('is swept when its job completed: a duplicate enqueue after completion writes it again, runs nothing', async () => {
    await processFailing();
    await jobs.enqueue(bulk, { n: 1 }, { jobId: 'twice', attachment: ['t\n'] });
    await until(async () => runs.length === 1 && (await redis.exists(key('twice'))) === 0);
    await jobs.enqueue(bulk, { n: 1 }, { jobId: 'twice', attachment: ['t\n'] });
    expect(await redis.exists(key('twice'))).toBe(1);
    expect(await jobs.sweepAttachments(bulk)).toBe(1);
    expect(await redis.exists(key('twice'))).toBe(0);
    expect(runs).toHaveLength(1);
  });

  it('reaches the handler as undefined when it is gone from Redis, so the handler can refuse the job', async () => {
    await jobs.enqueue(bulk, { n: 1 }, { jobId: 'lost', attachment: ['l\n'] });
    await redis.del(key('lost'));
    await processFailing();
    await until(() => runs.length === 1);
    expect(runs[0]!.attachment).toBeUndefined();
  });

  it('keeps the bytes of a plain Uint8Array piece, as of a Buffer or a string', async () => {
    await attachments.write(bulk.name, 'bytes', [new Uint8Array([0x61, 0x0a]), Buffer.from('b\n'), 'c\n']);
    expect(await attachments.read(bulk.name, 'bytes')).toEqual([
      Buffer.from('a\n'),
      Buffer.from('b\n'),
      Buffer.from('c\n'),
    ]);
  });

  it('is written whole: a second write of the same job id replaces the first, never appends', async () => {
    await attachments.write(bulk.name, 'rewritten', ['1\n', '2\n']);
    await attachments.write(bulk.name, 'rewritten', ['1\n', '2\n']);
    expect(await attachments.read(bulk.name, 'rewritten')).toEqual([Buffer.from('1\n'), Buffer.from('2\n')]);
  });
});
