import { resolve } from 'node:path';
import { z } from 'zod';
import { AppConfig, SeedDemo } from './app-config';

/** An unset and an empty variable mean the same (compose files often write `NAME=`). */
function variable<T extends z.ZodType>(schema: T) {
  return z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    schema,
  );
}

function integer(min: number, max: number, fallback: number) {
  return variable(
    z
      .string()
      .trim()
      .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
      .transform(Number)
      .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
      .default(fallback),
  );
}

function url(protocols: readonly string[], what: string) {
  const protocol = new RegExp(`^(${protocols.join('|')})$`);
  return z.url({
    protocol,
    error: `must be a ${what} URL (${protocols.map((p) => `${p}://`).join(' or ')})`,
  });
}

const BYTE_UNITS = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 } as const;

/** Sizes as body-parser writes them: `512kb`, `1mb`, `1048576` (bytes), 1024-based. */
const byteSize = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/, 'must be a size such as 512kb, 1mb or 1048576')
  .transform((text) => {
    const [, amount = '0', unit] = /^([\d.]+)\s*([a-z]*)$/.exec(text) ?? [];
    return Math.floor(Number(amount) * BYTE_UNITS[(unit || 'b') as keyof typeof BYTE_UNITS]);
  })
  .pipe(z.number().min(1024, 'must be at least 1kb').max(BYTE_UNITS.gb, 'must be at most 1gb'));

const boolean = z.stringbool({ error: 'must be true or false (also accepted: 1/0, yes/no, on/off)' });

/** Every variable the product reads, its default, and what a valid value is. */
export const envSchema = z.object({
  NODE_ENV: variable(
    z.enum(['development', 'production', 'test'], { error: 'must be development, production or test' }),
  ).default('development'),
  HOST: variable(z.string().trim()).default('0.0.0.0'),
  PORT: integer(0, 65535, 3000),
  PUBLIC_URL: variable(url(['http', 'https'], 'http(s)').optional()),
  STREAM_URL: variable(url(['ws', 'wss'], 'WebSocket').optional()),
  DATA_DIR: variable(z.string()).default('./.data'),
  DATABASE_URL: variable(url(['postgres', 'postgresql'], 'PostgreSQL').optional()),
  REDIS_URL: variable(url(['redis', 'rediss'], 'Redis').optional()),
  MIGRATE_ON_START: variable(boolean).default(true),
  SEED_DEMO: variable(boolean.optional()),
  LOG_LEVEL: variable(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    }),
  ).default('info'),
  QUEUE_PREFIX: variable(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "-" or "_"'),
  ).default('threatline'),
  GRAPHQL_MAX_DEPTH: integer(2, 100, 12),
  GRAPHQL_MAX_COST: integer(10, 10_000_000, 10_000),
  MAX_PAGE_SIZE: integer(1, 10_000, 100),
  HTTP_BODY_LIMIT: variable(byteSize).default(1024 ** 2),
  STREAM_LOG_RETENTION_SECONDS: integer(60, 10 * 365 * 86_400, 7 * 86_400),
  PRESENCE_LEASE_SECONDS: integer(2, 3600, 20),
});

export type Env = z.output<typeof envSchema>;

/** Turns validated variables into the typed configuration, deriving the defaults that depend on others. */
export function toAppConfig(env: Env): AppConfig {
  const publicUrl = withoutTrailingSlash(env.PUBLIC_URL ?? `http://localhost:${env.PORT}`);
  return {
    nodeEnv: env.NODE_ENV,
    http: { host: env.HOST, port: env.PORT, publicUrl, bodyLimitBytes: env.HTTP_BODY_LIMIT },
    streamUrl: withoutTrailingSlash(env.STREAM_URL ?? streamUrlOf(publicUrl)),
    dataDir: resolve(env.DATA_DIR),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    migrateOnStart: env.MIGRATE_ON_START,
    seedDemo: seedDemoOf(env.SEED_DEMO),
    logLevel: env.LOG_LEVEL,
    queuePrefix: env.QUEUE_PREFIX,
    graphql: {
      maxDepth: env.GRAPHQL_MAX_DEPTH,
      maxCost: env.GRAPHQL_MAX_COST,
      maxPageSize: env.MAX_PAGE_SIZE,
    },
    streamLogRetentionSeconds: env.STREAM_LOG_RETENTION_SECONDS,
    presenceLeaseSeconds: env.PRESENCE_LEASE_SECONDS,
  };
}

/** The agent stream lives on the public host: `https://x/base` gives `wss://x/base/agent/v1`. */
function streamUrlOf(publicUrl: string): string {
  const url = new URL(publicUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${withoutTrailingSlash(url.pathname)}/agent/v1`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

function withoutTrailingSlash(text: string): string {
  return text.replace(/\/+$/, '');
}

function seedDemoOf(flag: boolean | undefined): SeedDemo {
  if (flag === undefined) return 'first-embedded-start';
  return flag ? 'always' : 'never';
}
