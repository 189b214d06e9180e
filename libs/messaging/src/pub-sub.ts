/** Receives each message published on the channel after the subscription was made. */
export type MessageHandler = (message: Buffer) => void;

export type Unsubscribe = () => Promise<void>;

/**
 * Notices between processes: Redis sharded pub/sub (SPUBLISH/SSUBSCRIBE, which Redis 7
 * spreads over a cluster by channel) in distributed mode, in process in embedded mode.
 * Delivery is at most once and only to current subscribers: a notice wakes readers up, the
 * data itself stays in PostgreSQL.
 */
export abstract class PubSub {
  abstract publish(channel: string, message: string | Buffer): Promise<void>;

  /** Resolves once the subscription is active: anything published afterwards is delivered. */
  abstract subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe>;

  /** Drops every subscription. */
  abstract close(): Promise<void>;
}
