import { TEST_REDIS_URL } from '@threatline/messaging/testing';
import { createServer } from 'node:net';

/** Where a test process keeps its state: its own database, data directory and Redis key prefix. */
export interface TestPlace {
  port: number;
  dataDir: string;
  databaseUrl: string;
  queuePrefix: string;
}

/** The environment of a service under test: distributed mode on the test's own database and key prefix, on
 *  loopback, no migrations (the test database comes migrated), no demo seed, no logs. */
export function testConfigEnv(place: TestPlace): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(place.port),
    DATA_DIR: place.dataDir,
    DATABASE_URL: place.databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: place.queuePrefix,
    MIGRATE_ON_START: 'false',
    SEED_DEMO: '0',
    LOG_LEVEL: 'silent',
  };
}

/** A port the OS just reported free; the caller binds it right after. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('the OS gave no port'));
      });
    });
  });
}
