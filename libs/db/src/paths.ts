import { join, resolve } from 'node:path';

// This file sits at the same depth in src/ and dist/ (libs/db/<src|dist>/paths), so the
// repository root is three levels up either way.
const repositoryRoot = resolve(__dirname, '..', '..', '..');

/** `prisma/migrations`, in Prisma Migrate's layout: the single source of the database schema. */
export const DEFAULT_MIGRATIONS_DIR = join(repositoryRoot, 'prisma', 'migrations');

/** `prisma/schema.prisma`, which the migrations must always agree with (see the drift check). */
export const SCHEMA_PATH = join(repositoryRoot, 'prisma', 'schema.prisma');
