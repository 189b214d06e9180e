import { loadConfig } from '@threatline/config';
import { bootstrap, exitOnBootFailure } from '@threatline/http';
import { StreamModule } from './stream.module';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl || !config.redisUrl) {
    // An embedded database and an in-process bus belong to one process: `npm start` serves the stream then.
    throw new Error(
      'services/stream runs in distributed mode: set DATABASE_URL and REDIS_URL (npm start embeds the stream).',
    );
  }
  await bootstrap(StreamModule, { name: 'stream', config });
}

main().catch(exitOnBootFailure);
