import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@threatline/config';
import { countBuffersInHeapLimit, exitOnBootFailure } from '@threatline/http';
import { Logger } from 'nestjs-pino';
import { WorkerModule } from './worker.module';

/** Longer than a job batch takes, shorter than an orchestrator's kill grace (30 s in Kubernetes). */
const SHUTDOWN_TIMEOUT_MS = 25_000;

async function main(): Promise<void> {
  countBuffersInHeapLimit();
  const config = loadConfig();
  if (!config.databaseUrl || !config.redisUrl) {
    // In embedded mode the standalone process (`npm start`) runs the jobs: PGlite and the in-process queue
    // belong to one process, so a separate worker could neither open the database nor see the jobs.
    process.stderr.write('The worker runs in distributed mode only: set DATABASE_URL and REDIS_URL.\n');
    process.exit(1);
  }
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    bufferLogs: true,
    abortOnError: false,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);

  // SIGTERM: stop taking jobs, let running ones finish (the queue closes in onModuleDestroy), then exit. Installed
  // before init, since workers take jobs as soon as they start: a signal during init drains once init is over.
  let started: Promise<unknown> = Promise.resolve();
  const shutdown = (signal: NodeJS.Signals): void => {
    logger.log(`worker received ${signal}: draining`, 'Bootstrap');
    setTimeout(() => {
      logger.error(`worker did not drain within ${SHUTDOWN_TIMEOUT_MS} ms; exiting`, 'Bootstrap');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    started
      .catch(() => undefined)
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(error, 'Bootstrap');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  started = app.init();
  await started;
  logger.log(`worker running (${config.redisUrl ? 'BullMQ on Redis' : 'in-process queues'})`, 'Bootstrap');
}

main().catch(exitOnBootFailure);
