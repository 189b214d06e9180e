import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { InProcessJobQueue } from './in-process/in-process-job-queue';
import { InProcessMessagingHealth } from './in-process/in-process-messaging-health';
import { InProcessPubSub } from './in-process/in-process-pub-sub';
import { JobQueue } from './job-queue';
import { MessagingHealth } from './messaging-health';
import type { MessagingModuleOptions } from './messaging-options';
import { PubSub } from './pub-sub';
import { BullMqJobQueue } from './redis/bullmq-job-queue';
import { RedisConnection } from './redis/redis-connection';
import { RedisMessagingHealth } from './redis/redis-messaging-health';
import { RedisPubSub } from './redis/redis-pub-sub';

function redisProviders(redisUrl: string, prefix: string): Provider[] {
  return [
    { provide: RedisConnection, useFactory: () => new RedisConnection(redisUrl) },
    {
      provide: JobQueue,
      inject: [RedisConnection],
      useFactory: (redis: RedisConnection) => new BullMqJobQueue(redis.client, prefix),
    },
    {
      provide: PubSub,
      inject: [RedisConnection],
      useFactory: (redis: RedisConnection) => new RedisPubSub(redis.client, prefix),
    },
    {
      provide: MessagingHealth,
      inject: [RedisConnection],
      useFactory: (redis: RedisConnection) => new RedisMessagingHealth(redis.client),
    },
  ];
}

function inProcessProviders(): Provider[] {
  return [
    { provide: JobQueue, useClass: InProcessJobQueue },
    { provide: PubSub, useClass: InProcessPubSub },
    { provide: MessagingHealth, useClass: InProcessMessagingHealth },
  ];
}

@Global()
@Module({})
export class MessagingModule {
  /** BullMQ and Redis pub/sub when `redisUrl` is set, in-process equivalents otherwise. */
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    if (!/^[A-Za-z0-9_-]+$/.test(options.prefix)) {
      throw new Error(`messaging prefix "${options.prefix}" must be letters, digits, '_' and '-'`);
    }
    return {
      module: MessagingModule,
      providers: options.redisUrl ? redisProviders(options.redisUrl, options.prefix) : inProcessProviders(),
      exports: [JobQueue, PubSub, MessagingHealth],
    };
  }
}
