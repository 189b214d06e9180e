import { Redis } from 'ioredis';

/** The Redis the tests and benchmarks use (each under its own random key prefix). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Deletes every key matching `pattern` (a test's prefix plus `*`), in batches, without blocking Redis. */
export async function deleteRedisKeys(pattern: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Whether `key` is in Redis (a test looking at what a queue left behind). */
export async function redisKeyExists(key: string, url = TEST_REDIS_URL): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return (await redis.exists(key)) === 1;
  } finally {
    redis.disconnect();
  }
}
