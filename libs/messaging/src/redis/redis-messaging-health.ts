import type { Redis } from 'ioredis';
import { MessagingHealth } from '../messaging-health';

const PING_TIMEOUT_MS = 2000;

export class RedisMessagingHealth extends MessagingHealth {
  constructor(private readonly connection: Redis) {
    super();
  }

  async ping(): Promise<void> {
    // Commands wait through reconnects (maxRetriesPerRequest null), so a probe must not.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer PING within ${PING_TIMEOUT_MS} ms`)),
        PING_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([this.connection.ping(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
