// Generates the Prisma client after `npm install`.
// Prisma's CLI tries to download its native schema engine for every command; this
// machine cannot reach Prisma's binary host, and `generate` does not need it
// (see ../shared/STACK-NOTES.md). /bin/false (never /bin/true) makes any command
// that would really need the engine fail loudly instead of doing nothing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('prisma/schema.prisma')) process.exit(0);
const result = spawnSync('npx', ['prisma', 'generate'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/false',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  },
});
process.exit(result.status ?? 1);
