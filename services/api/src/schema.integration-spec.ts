import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateSchemaSdl, SCHEMA_FILE } from './schema-sdl';

describe('services/api/schema.graphql', () => {
  it('is the schema the code builds', async () => {
    const checkedIn = await readFile(SCHEMA_FILE, 'utf8').catch(() => '(missing)');
    expect(checkedIn, 'services/api/schema.graphql is out of date: run `npm run graphql:schema`').toBe(
      await generateSchemaSdl(),
    );
  });
});
