import { describe, expect, it } from 'vitest';
import { assertJobId } from './job-id';
import { backoffDelayMs, DEFAULT_RETRY, defineQueue, JOB_HISTORY_SIZE } from './queue-definition';

describe('defineQueue', () => {
  it('takes the default retry policy, overridable per queue', () => {
    expect(defineQueue<{ id: string }>('feed-publish')).toEqual({
      name: 'feed-publish',
      retry: DEFAULT_RETRY,
      keepCompleted: JOB_HISTORY_SIZE,
    });
    expect(defineQueue('report-ingest', { attempts: 2 }).retry).toEqual({ attempts: 2, backoffMs: 1000 });
  });

  it.each(['Feed', 'feed:publish', '1feed', ''])('refuses the queue name %j', (name) => {
    expect(() => defineQueue(name)).toThrow('lowercase');
  });

  it('refuses a retry policy without a first run', () => {
    expect(() => defineQueue('x', { attempts: 0 })).toThrow('attempts');
  });

  it('keeps a chosen number of completed jobs, never a negative or fractional one', () => {
    expect(defineQueue('events', { keepCompleted: 100 }).keepCompleted).toBe(100);
    expect(() => defineQueue('x', { keepCompleted: -1 })).toThrow('keepCompleted');
    expect(() => defineQueue('x', { keepCompleted: 1.5 })).toThrow('keepCompleted');
  });
});

describe('backoffDelayMs', () => {
  it('doubles the wait after each failed attempt, as BullMQ exponential backoff does', () => {
    const retry = { attempts: 5, backoffMs: 250 };
    expect([1, 2, 3, 4].map((failed) => backoffDelayMs(retry, failed))).toEqual([250, 500, 1000, 2000]);
  });
});

describe('assertJobId', () => {
  it('accepts ids derived from payloads', () => {
    expect(() => assertJobId('publish-5f0c9a1e-42')).not.toThrow();
  });

  it.each(['', 'a:b', '42', '-7', 'x'.repeat(513)])('refuses %j', (jobId) => {
    expect(() => assertJobId(jobId)).toThrow('invalid job id');
  });
});
