import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

/**
 * The process's Redis connection for commands, shared by BullMQ queues and workers (which
 * duplicate it for their blocking reads) and by publishers. Closed in onApplicationShutdown,
 * after the workers have drained in onModuleDestroy.
 */
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  readonly client: Redis;

  constructor(url: string) {
    // BullMQ workers require maxRetriesPerRequest null: a blocking read must not give up
    // while Redis restarts; ioredis reconnects and the command is sent again.
    this.client = new Redis(url, { maxRetriesPerRequest: null });
    this.client.on('error', (error: Error) => this.logger.warn(`Redis connection: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await closeRedis(this.client);
  }
}

const QUIT_TIMEOUT_MS = 2000;

/**
 * Closes a connection politely when Redis answers (QUIT lets pending replies arrive), and at
 * once when it does not: QUIT on a connection that is reconnecting would wait forever and
 * hold up the process's shutdown.
 */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), QUIT_TIMEOUT_MS);
  });
  const outcome = await Promise.race([client.quit().catch(() => 'failed' as const), timeout]);
  clearTimeout(timer);
  if (outcome !== 'OK') client.disconnect();
}
