import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { Public } from '@threatline/auth';
import { DbHealth } from '@threatline/db';
import { MessagingHealth } from '@threatline/messaging';

/** Probes of the stream process for the load balancer: alive, and ready when PostgreSQL and Redis answer. */
@Public()
@Controller()
export class StreamHealthController {
  constructor(
    private readonly db: DbHealth,
    private readonly messaging: MessagingHealth,
  ) {}

  @Get('healthz')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async ready(): Promise<{ status: 'ready' }> {
    const results = await Promise.allSettled([this.db.ping(), this.messaging.ping()]);
    if (results.some((result) => result.status === 'rejected')) {
      throw new ServiceUnavailableException({ error: { code: 'NOT_READY', message: 'Not ready.' } });
    }
    return { status: 'ready' };
  }
}
