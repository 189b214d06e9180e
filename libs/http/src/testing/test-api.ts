import { DynamicModule, Module, Type } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, loadConfig } from '@threatline/config';
import { PrismaClient } from '@threatline/db';
import { createTestDatabase } from '@threatline/db/testing';
import { deleteRedisKeys } from '@threatline/messaging/testing';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { ApiModule } from '../api.module';
import { createApp } from '../create-app';
import { RootModule } from '../root-module';
import { freePort, testConfigEnv } from './test-environment';

export interface TestApiOptions {
  /** The root module to boot; ApiModule when not given. */
  root?: RootModule;
  /** Extra modules booted beside the root (a test-only resolver, say). */
  imports?: (Type | DynamicModule)[];
  /** Variables on top of the test defaults (database, Redis, prefix, port, silent logs). */
  env?: Record<string, string>;
}

export interface GraphqlResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface TestApi {
  app: NestExpressApplication;
  config: AppConfig;
  /** supertest against the running server: `api.http.get('/healthz')`. */
  http: supertest.Agent;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  prisma: PrismaClient;
  /** POSTs an operation to /graphql, with `Authorization: Bearer <apiKey>` when a key is given. */
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    apiKey?: string,
  ): Promise<GraphqlResponse<T>>;
  /** Stops the application, deletes its Redis keys and drops its database. */
  close(): Promise<void>;
}

/**
 * Boots an API against its own fresh PostgreSQL database and a real Redis under a random
 * key prefix, listening on a free port, as an integration test file needs it.
 */
export async function createTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'threatline-test-'));
  const queuePrefix = `test-${randomUUID().slice(0, 8)}`;
  let app: NestExpressApplication | undefined;
  try {
    const port = await freePort();
    const config = loadConfig({
      ...testConfigEnv({ port, dataDir, databaseUrl: database.url, queuePrefix }),
      ...options.env,
    });
    app = await createApp(testRoot(options.root ?? ApiModule, options.imports ?? []), config);
    await app.listen(config.http.port, config.http.host);
    const url = `http://127.0.0.1:${port}`;
    const http = supertest.agent(url);
    const started = app;
    return {
      app,
      config,
      http,
      url,
      prisma: database.prisma,
      async graphql<T>(query: string, variables: Record<string, unknown> = {}, apiKey?: string) {
        const request = http.post('/graphql').send({ query, variables });
        if (apiKey !== undefined) void request.set('Authorization', `Bearer ${apiKey}`);
        const response = await request;
        const body = response.body as Omit<GraphqlResponse<T>, 'status'>;
        return { status: response.status, ...body };
      },
      async close() {
        await started.close();
        await cleanUp(queuePrefix, dataDir, () => database.dispose());
      },
    };
  } catch (error) {
    await app?.close();
    await cleanUp(queuePrefix, dataDir, () => database.dispose());
    throw error;
  }
}

function testRoot(root: RootModule, imports: (Type | DynamicModule)[]): RootModule {
  @Module({})
  class TestApiModule {}
  return { forRoot: (config) => ({ module: TestApiModule, imports: [root.forRoot(config), ...imports] }) };
}

async function cleanUp(
  queuePrefix: string,
  dataDir: string,
  dropDatabase: () => Promise<void>,
): Promise<void> {
  await deleteRedisKeys(`${queuePrefix}:*`);
  await rm(dataDir, { recursive: true, force: true });
  await dropDatabase();
}
