import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { PubSub, type MessageHandler, type Unsubscribe } from '../pub-sub';

/** Embedded mode's pub/sub: delivers to this process's subscribers, asynchronously and in order. */
export class InProcessPubSub extends PubSub implements OnModuleDestroy {
  private readonly logger = new Logger('PubSub');
  private readonly channels = new Map<string, Set<MessageHandler>>();

  publish(channel: string, message: string | Buffer): Promise<void> {
    const handlers = this.channels.get(channel);
    if (handlers && handlers.size > 0) {
      // One copy for all subscribers, taken now, as a message on the wire would be.
      const payload = Buffer.from(message);
      for (const handler of handlers) setImmediate(() => this.deliver(channel, handler, payload));
    }
    return Promise.resolve();
  }

  subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe> {
    let handlers = this.channels.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.channels.set(channel, handlers);
    }
    // A wrapper per subscription, so one handler subscribed twice gets both deliveries.
    const subscription: MessageHandler = (message) => handler(message);
    handlers.add(subscription);
    return Promise.resolve(() => {
      handlers.delete(subscription);
      if (handlers.size === 0 && this.channels.get(channel) === handlers) this.channels.delete(channel);
      return Promise.resolve();
    });
  }

  close(): Promise<void> {
    this.channels.clear();
    return Promise.resolve();
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  private deliver(channel: string, handler: MessageHandler, message: Buffer): void {
    // Unsubscribed meanwhile: Redis would not deliver either.
    if (!this.channels.get(channel)?.has(handler)) return;
    try {
      handler(message);
    } catch (error) {
      this.logger.error(`subscriber of ${channel} threw: ${String(error)}`);
    }
  }
}
