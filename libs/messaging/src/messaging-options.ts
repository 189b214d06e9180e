export interface MessagingModuleOptions {
  /** Redis (distributed mode); without it queues and pub/sub run in this process. */
  readonly redisUrl?: string;
  /** Every Redis key and channel starts with `<prefix>:`. */
  readonly prefix: string;
}
