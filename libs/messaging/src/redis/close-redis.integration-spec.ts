import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { closeRedis } from './redis-connection';

/** Resolves once the client has ended for good (ioredis reports it asynchronously). */
function ended(client: Redis): Promise<void> {
  return new Promise((resolve) =>
    client.status === 'end' ? resolve() : client.once('end', () => resolve()),
  );
}

describe('closeRedis', () => {
  it('closes a connection to a Redis that does not answer at once, instead of waiting forever', async () => {
    // Port 1 refuses connections: the client keeps reconnecting, where QUIT would never resolve.
    const client = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: null, lazyConnect: false });
    client.on('error', () => undefined);
    const started = Date.now();
    await closeRedis(client);
    await ended(client);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('quits politely from a live Redis', async () => {
    const client = new Redis('redis://127.0.0.1:6379');
    await client.ping();
    await closeRedis(client);
    await ended(client);
    expect(client.status).toBe('end');
  });
});
