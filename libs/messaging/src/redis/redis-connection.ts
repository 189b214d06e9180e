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
    await this.client.quit();
  }
}
