import { Global, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { AppConfig } from '@threatline/config';
import { LoggerModule } from 'nestjs-pino';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { loggerParams } from './logger-options';
import { Metrics } from './metrics';
import { RequestContext } from './request-context';
import { RequestContextMiddleware } from './request-context.middleware';

/**
 * Structured logs (nestjs-pino; inject `PinoLogger` or use Nest's `Logger`), the request
 * context and the Prometheus metrics of an application. Needs `ConfigModule`.
 */
@Global()
@Module({
  imports: [LoggerModule.forRootAsync({ inject: [AppConfig], useFactory: loggerParams })],
  providers: [RequestContext, Metrics],
  exports: [RequestContext, Metrics],
})
export class ObservabilityModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(RequestContextMiddleware, HttpMetricsMiddleware)
      .forRoutes({ path: '{/*splat}', method: RequestMethod.ALL });
  }
}
