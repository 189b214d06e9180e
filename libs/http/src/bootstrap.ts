import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, ConfigError, loadConfig } from '@threatline/config';
import { DataDirInUseError } from '@threatline/db';
import { Logger } from 'nestjs-pino';
import { AddressInfo } from 'node:net';
import { createApp } from './create-app';
import { RootModule } from './root-module';

export interface BootstrapOptions {
  /** The service's name, in its log lines (`api`, `standalone`). */
  name: string;
  /** Parsed from the environment when not given. */
  config?: AppConfig;
}

/** Longer than a request may take, shorter than an orchestrator's kill grace (30 s in Kubernetes). */
const SHUTDOWN_TIMEOUT_MS = 25_000;

/**
 * Starts a service process: builds the application of `root`, listens on HOST:PORT and, on
 * SIGTERM or SIGINT, stops taking connections, drains in-flight requests, runs every
 * shutdown hook (queues, database) and exits 0.
 */
export async function bootstrap(
  root: RootModule,
  options: BootstrapOptions,
): Promise<NestExpressApplication> {
  const config = options.config ?? loadConfig();
  const app = await createApp(root, config);
  const logger = app.get(Logger);
  await app.listen(config.http.port, config.http.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  logger.log(
    `${options.name} listening on ${config.http.host}:${port}; public URL ${config.http.publicUrl}, GraphQL ${config.http.publicUrl}/graphql`,
    'Bootstrap',
  );
  exitOnSignals(app, logger, options.name);
  return app;
}

function exitOnSignals(app: NestExpressApplication, logger: Logger, name: string): void {
  const shutdown = (signal: NodeJS.Signals): void => {
    logger.log(`${name} received ${signal}: draining`, 'Bootstrap');
    setTimeout(() => {
      logger.error(`${name} did not drain within ${SHUTDOWN_TIMEOUT_MS} ms; exiting`, 'Bootstrap');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(error, 'Bootstrap');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

/**
 * The `.catch` of a service's main: prints why the process could not start (every
 * configuration problem, or the error) and exits 1.
 */
export function exitOnBootFailure(error: unknown): never {
  process.stderr.write(
    // Problems the operator fixes, said plainly (no stack).
    error instanceof ConfigError || error instanceof DataDirInUseError
      ? `${error.message}\n`
      : `Startup failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}
