import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { PubSub, type MessageHandler, type Unsubscribe } from '../pub-sub';
import { closeRedis } from './redis-connection';

interface ChannelSubscription {
  readonly handlers: Set<MessageHandler>;
  /** Settles when Redis confirmed SSUBSCRIBE. */
  readonly active: Promise<unknown>;
}

/**
 * Distributed mode's pub/sub on Redis 7 sharded channels (SPUBLISH/SSUBSCRIBE), named
 * `<prefix>:<channel>`. One subscriber connection per process; each channel is subscribed
 * once however many local handlers it has.
 */
export class RedisPubSub extends PubSub implements OnModuleDestroy {
  private readonly logger = new Logger('PubSub');
  private readonly subscriber: Redis;
  private readonly channels = new Map<string, ChannelSubscription>();

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
  ) {
    super();
    this.subscriber = connection.duplicate();
    this.subscriber.on('error', (error: Error) => this.logger.warn(`Redis subscriber: ${error.message}`));
    this.subscriber.on('smessageBuffer', (channel: Buffer, message: Buffer) =>
      this.deliver(channel.toString(), message),
    );
  }

  async publish(channel: string, message: string | Buffer): Promise<void> {
    await this.connection.spublish(this.key(channel), message);
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe> {
    const key = this.key(channel);
    let subscription = this.channels.get(key);
    if (!subscription) {
      subscription = { handlers: new Set(), active: this.subscriber.ssubscribe(key) };
      this.channels.set(key, subscription);
    }
    const entry: MessageHandler = (message) => handler(message);
    subscription.handlers.add(entry);
    await subscription.active;
    const current = subscription;
    return async () => {
      current.handlers.delete(entry);
      if (current.handlers.size === 0 && this.channels.get(key) === current) {
        this.channels.delete(key);
        // Commands on one connection run in order, so a later SSUBSCRIBE of the same
        // channel still wins over this SUNSUBSCRIBE.
        await this.subscriber.sunsubscribe(key);
      }
    };
  }

  async close(): Promise<void> {
    this.channels.clear();
    await closeRedis(this.subscriber);
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  private key(channel: string): string {
    return `${this.prefix}:${channel}`;
  }

  private deliver(key: string, message: Buffer): void {
    for (const handler of this.channels.get(key)?.handlers ?? []) {
      try {
        handler(message);
      } catch (error) {
        this.logger.error(`subscriber of ${key} threw: ${String(error)}`);
      }
    }
  }
}
