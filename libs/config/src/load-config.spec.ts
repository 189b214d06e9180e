import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './load-config';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives every variable its documented default on an empty environment', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      nodeEnv: 'development',
      http: { host: '0.0.0.0', port: 3000, publicUrl: 'http://localhost:3000', bodyLimitBytes: 1024 ** 2 },
      streamUrl: 'ws://localhost:3000/agent/v1',
      dataDir: resolve('.data'),
      databaseUrl: undefined,
      redisUrl: undefined,
      migrateOnStart: true,
      seedDemo: 'first-embedded-start',
      logLevel: 'info',
      queuePrefix: 'threatline',
      graphql: { maxDepth: 12, maxCost: 10_000, maxPageSize: 100 },
      streamLogRetentionSeconds: 604_800,
      presenceLeaseSeconds: 20,
    });
  });

  it('derives the public and stream URLs from PORT, and the stream URL from PUBLIC_URL', () => {
    expect(loadConfig({ PORT: '8080' }).streamUrl).toBe('ws://localhost:8080/agent/v1');
    const behindProxy = loadConfig({ PUBLIC_URL: 'https://tl.example.com/base/' });
    expect(behindProxy.http.publicUrl).toBe('https://tl.example.com/base');
    expect(behindProxy.streamUrl).toBe('wss://tl.example.com/base/agent/v1');
    expect(loadConfig({ STREAM_URL: 'wss://stream.example.com/agent/v1' }).streamUrl).toBe(
      'wss://stream.example.com/agent/v1',
    );
  });

  it('reads every variable', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: '/var/lib/threatline',
      DATABASE_URL: 'postgresql://tl:secret@db:5432/threatline',
      REDIS_URL: 'redis://redis:6379/0',
      MIGRATE_ON_START: 'false',
      SEED_DEMO: '1',
      LOG_LEVEL: 'debug',
      QUEUE_PREFIX: 'tl-test_1',
      GRAPHQL_MAX_DEPTH: '8',
      GRAPHQL_MAX_COST: '500',
      MAX_PAGE_SIZE: '50',
      HTTP_BODY_LIMIT: '512kb',
      STREAM_LOG_RETENTION_SECONDS: '3600',
      PRESENCE_LEASE_SECONDS: '5',
    });
    expect(config).toMatchObject({
      nodeEnv: 'production',
      http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 512 * 1024 },
      dataDir: '/var/lib/threatline',
      databaseUrl: 'postgresql://tl:secret@db:5432/threatline',
      redisUrl: 'redis://redis:6379/0',
      migrateOnStart: false,
      seedDemo: 'always',
      logLevel: 'debug',
      queuePrefix: 'tl-test_1',
      graphql: { maxDepth: 8, maxCost: 500, maxPageSize: 50 },
      streamLogRetentionSeconds: 3600,
      presenceLeaseSeconds: 5,
    });
    expect(loadConfig({ SEED_DEMO: 'no' }).seedDemo).toBe('never');
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ DATABASE_URL: '', REDIS_URL: ' ', PORT: '' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.http.port).toBe(3000);
  });

  it('parses body limits the way body-parser writes them', () => {
    expect(loadConfig({ HTTP_BODY_LIMIT: '2MB' }).http.bodyLimitBytes).toBe(2 * 1024 ** 2);
    expect(loadConfig({ HTTP_BODY_LIMIT: '1.5kb' }).http.bodyLimitBytes).toBe(1536);
    expect(loadConfig({ HTTP_BODY_LIMIT: '65536' }).http.bodyLimitBytes).toBe(65536);
  });

  it('lists every invalid variable at once, naming each', () => {
    const problems = problemsOf({
      NODE_ENV: 'staging',
      PORT: '70000',
      PUBLIC_URL: 'ftp://x',
      DATABASE_URL: 'mysql://root:hunter2@db/x',
      REDIS_URL: 'nope',
      MIGRATE_ON_START: 'maybe',
      LOG_LEVEL: 'loud',
      QUEUE_PREFIX: 'a b',
      GRAPHQL_MAX_DEPTH: 'deep',
      MAX_PAGE_SIZE: '0',
      HTTP_BODY_LIMIT: 'lots',
    });
    expect(problems.map((problem) => problem.split(' ')[0])).toEqual([
      'NODE_ENV',
      'PORT',
      'PUBLIC_URL',
      'DATABASE_URL',
      'REDIS_URL',
      'MIGRATE_ON_START',
      'LOG_LEVEL',
      'QUEUE_PREFIX',
      'GRAPHQL_MAX_DEPTH',
      'MAX_PAGE_SIZE',
      'HTTP_BODY_LIMIT',
    ]);
    expect(problems).toContain('PORT must be at most 65535 (got "70000")');
  });

  it('never echoes the value of a variable that may hold a password', () => {
    const [problem] = problemsOf({ DATABASE_URL: 'mysql://root:hunter2@db/x' });
    expect(problem).toMatch(/^DATABASE_URL must be a PostgreSQL URL/);
    expect(problem).not.toContain('hunter2');
  });

  it('puts the list of problems in the error message', () => {
    expect(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'loud' })).toThrow(
      /Invalid configuration:\n {2}- PORT .*\n {2}- LOG_LEVEL /,
    );
  });
});
