import { Controller, Get, Header, ServiceUnavailableException } from '@nestjs/common';
import { Public } from '@threatline/auth';
import { DbHealth } from '@threatline/db';
import { MessagingHealth } from '@threatline/messaging';
import { Metrics } from '@threatline/observability';
import { Registry } from 'prom-client';

/**
 * What the load balancer and Prometheus ask of a stream process: alive, ready when PostgreSQL and Redis answer,
 * and its metrics (connections, channels, live frames and sends, closes by code, memory). Public like the API's
 * probes; keep them off the public internet at the load balancer.
 */
@Public()
@Controller()
export class StreamProbesController {
  constructor(
    private readonly db: DbHealth,
    private readonly messaging: MessagingHealth,
    private readonly metrics: Metrics,
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

  @Get('metrics')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
