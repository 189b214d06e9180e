import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '@threatline/auth';
import { Metrics } from '@threatline/observability';
import { Registry } from 'prom-client';

/**
 * Prometheus scrape endpoint. Public, like the probes: it carries no tenant data. Keep it
 * off the public internet at the load balancer; scrapers reach replicas directly.
 */
@Public()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get('metrics')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
