import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig } from '@threatline/config';
import { FEED_BODY_LIMIT_BYTES, FEED_BODY_ROUTES } from '@threatline/feeds';
import { Logger } from 'nestjs-pino';
import { RootModule } from './root-module';
import { routeBodyParser } from './route-body-parser';

/**
 * Builds (but does not start) an application of `root`, configured the same way for
 * production and tests: pino as the Nest logger, the JSON body limit from the configuration (larger
 * on the feed routes).
 */
export async function createApp(root: RootModule, config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(root.forRoot(config), {
    bufferLogs: true,
    // Our own parser below, with the configured limit; Nest's default would take 100kb.
    bodyParser: false,
    // Throw instead of exiting, so the caller decides (bootstrap exits, tests report).
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  // Feed pushes and X-Ops imports carry up to 100,000 indicators: those routes alone take larger bodies.
  for (const route of FEED_BODY_ROUTES) app.use(routeBodyParser(route, FEED_BODY_LIMIT_BYTES));
  app.useBodyParser('json', { limit: config.http.bodyLimitBytes });
  app.disable('x-powered-by');
  return app;
}
