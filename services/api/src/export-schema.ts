import { exitOnBootFailure } from '@threatline/http';
import { writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { generateSchemaSdl, SCHEMA_FILE } from './schema-sdl';

/** `npm run graphql:schema`: rewrites services/api/schema.graphql from the code. */
async function exportSchema(): Promise<void> {
  await writeFile(SCHEMA_FILE, await generateSchemaSdl());
  process.stdout.write(`Wrote ${relative(process.cwd(), SCHEMA_FILE)}\n`);
  // Embedded adapters may leave handles behind once closed; the export is complete here.
  process.exit(0);
}

exportSchema().catch(exitOnBootFailure);
