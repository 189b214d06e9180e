import { GraphQLSchemaHost } from '@nestjs/graphql';
import { loadConfig } from '@threatline/config';
import { ApiModule, createApp } from '@threatline/http';
import { printSchema } from 'graphql';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The checked-in SDL of the API (contract section 5), for clients and review. */
export const SCHEMA_FILE = resolve(__dirname, '..', 'schema.graphql');

/**
 * The SDL of the API's GraphQL schema, as the running service builds it (sorted). Boots the
 * API in embedded mode on a throwaway DATA_DIR, so it needs no PostgreSQL or Redis.
 */
export async function generateSchemaSdl(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'threatline-schema-'));
  try {
    const config = loadConfig({
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      SEED_DEMO: '0',
      LOG_LEVEL: 'warn',
    });
    const app = await createApp(ApiModule, config);
    try {
      await app.init();
      return `${printSchema(app.get(GraphQLSchemaHost).schema)}\n`;
    } finally {
      await app.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
