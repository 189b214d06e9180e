import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseErrorCode } from './database-error';
import { DbModule } from './db.module';
import { PrismaService } from './prisma.service';
import { createTestDatabase, type TestDatabase } from './testing';

// PrismaService.copyThenQuery and copyRows on both backends: pg-copy-streams on PostgreSQL, /dev/blob on PGlite.
// Rows go in as COPY's text format, so the cases below are its edges: nulls, escapes, non-ASCII text, and a
// failure at any step, which must leave nothing behind and the database usable.

const TARGET = 'copy_probe';
const STAGE = 'copy_probe_stage';
const CREATE_STAGE = `CREATE TEMPORARY TABLE IF NOT EXISTS ${STAGE} (id int, label text, note text) ON COMMIT DELETE ROWS`;
const MOVE = `INSERT INTO ${TARGET} (id, label, note) SELECT id, label || $1, note FROM ${STAGE} RETURNING id`;

interface Probe {
  id: number;
  label: string;
  note: string | null;
}

interface Backend {
  prisma: PrismaService;
  close(): Promise<void>;
}

async function openPostgres(): Promise<Backend> {
  const database: TestDatabase = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'threatline-bulk-copy-'));
  const app = await NestFactory.createApplicationContext(
    DbModule.forRoot({ databaseUrl: database.url, dataDir, migrateOnStart: false }),
    { logger: false },
  );
  return {
    prisma: app.get(PrismaService),
    close: async () => {
      await app.close();
      await database.dispose();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function openPglite(): Promise<Backend> {
  const dataDir = await mkdtemp(join(tmpdir(), 'threatline-bulk-copy-'));
  const app: INestApplicationContext = await NestFactory.createApplicationContext(
    DbModule.forRoot({ dataDir }),
    { logger: false },
  );
  return {
    prisma: app.get(PrismaService),
    close: async () => {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

describe.each([
  { name: 'PostgreSQL', open: openPostgres },
  { name: 'PGlite', open: openPglite },
])('bulk COPY on $name', ({ open }) => {
  let backend: Backend;
  let prisma: PrismaService;
  beforeAll(async () => {
    backend = await open();
    prisma = backend.prisma;
    await prisma.$executeRawUnsafe(
      `CREATE TABLE ${TARGET} (id int PRIMARY KEY, label text NOT NULL, note text)`,
    );
  }, 60_000);
  afterAll(() => backend.close());
  beforeEach(async () => {
    await prisma.$executeRawUnsafe(`TRUNCATE ${TARGET}`);
  });

  const stored = () => prisma.$queryRawUnsafe<Probe[]>(`SELECT id, label, note FROM ${TARGET} ORDER BY id`);

  it('copyThenQuery copies the rows, runs the statement on them with its parameters and returns its rows', async () => {
    const rows = '1\tplain\t\\N\n2\tback\\\\slash\tnote\n3\tgrüße ✓\t\n';
    const returned = await prisma.copyThenQuery<{ id: number }>(
      { setup: CREATE_STAGE, into: `${STAGE} (id, label, note)`, rows },
      MOVE,
      ['!'],
    );
    expect(returned.map((row) => row.id).sort()).toEqual([1, 2, 3]);
    expect(await stored()).toEqual([
      { id: 1, label: 'plain!', note: null },
      { id: 2, label: 'back\\slash!', note: 'note' },
      { id: 3, label: 'grüße ✓!', note: '' },
    ]);
  });

  it('copyThenQuery is one transaction: a failing statement leaves nothing copied nor stored', async () => {
    await prisma.copyThenQuery({ setup: CREATE_STAGE, into: STAGE, rows: '1\tfirst\t\\N\n' }, MOVE, ['']);
    const failing = prisma.copyThenQuery(
      { setup: CREATE_STAGE, into: STAGE, rows: '2\tsecond\t\\N\n1\tagain\t\\N\n' },
      MOVE,
      [''],
    );
    await expect(failing).rejects.toThrow();
    expect(databaseErrorCode(await failing.catch((error: unknown) => error))).toBe('23505');
    expect(await stored()).toEqual([{ id: 1, label: 'first', note: null }]);
    // The staging table was emptied by the rollback, and the next call works.
    const returned = await prisma.copyThenQuery<{ id: number }>(
      { setup: CREATE_STAGE, into: STAGE, rows: '2\tsecond\t\\N\n' },
      MOVE,
      [''],
    );
    expect(returned).toEqual([{ id: 2 }]);
    expect(await stored()).toHaveLength(2);
  });

  it('copyThenQuery refuses malformed rows and stores nothing', async () => {
    const malformed = prisma.copyThenQuery(
      { setup: CREATE_STAGE, into: STAGE, rows: '1\tok\t\\N\n2\tmissing a field\n' },
      MOVE,
      [''],
    );
    expect(databaseErrorCode(await malformed.catch((error: unknown) => error))).toBe('22P04');
    expect(await stored()).toEqual([]);
  });

  it('copyRows stores every row and says how many', async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => `${i}\tlabel ${i}\t${i % 2 ? '\\N' : 'x'}\n`).join(
      '',
    );
    expect(await prisma.copyRows({ into: `${TARGET} (id, label, note)`, rows })).toBe(2500);
    const [summary] = await prisma.$queryRawUnsafe<{ rows: number; nulls: number }[]>(
      `SELECT count(*)::int AS rows, count(*) FILTER (WHERE note IS NULL)::int AS nulls FROM ${TARGET}`,
    );
    expect(summary).toEqual({ rows: 2500, nulls: 1250 });
  });

  it('takes the rows in pieces of whole rows, in both calls, as if they were one string', async () => {
    const pieces = ['1\tone\t\\N\n2\ttwo\tx\n', '3\tgrüße\t\\N\n', '4\tfour\ty\n'];
    expect(await prisma.copyRows({ into: `${TARGET} (id, label, note)`, rows: pieces })).toBe(4);
    await prisma.copyThenQuery(
      { setup: CREATE_STAGE, into: STAGE, rows: ['5\tfive\t\\N\n', '6\tsix\tz\n'] },
      MOVE,
      [''],
    );
    expect(await stored()).toEqual([
      { id: 1, label: 'one', note: null },
      { id: 2, label: 'two', note: 'x' },
      { id: 3, label: 'grüße', note: null },
      { id: 4, label: 'four', note: 'y' },
      { id: 5, label: 'five', note: null },
      { id: 6, label: 'six', note: 'z' },
    ]);
  });

  it('takes pieces as UTF-8 bytes too, views into a larger buffer among them, in both calls', async () => {
    const bytes = Buffer.from('xx1\tone\t\\N\n2\tgrüße\tx\nyy');
    const pieces = [bytes.subarray(2, bytes.length - 2), '3\tthree\t\\N\n'];
    expect(await prisma.copyRows({ into: `${TARGET} (id, label, note)`, rows: pieces })).toBe(3);
    await prisma.copyThenQuery(
      { setup: CREATE_STAGE, into: STAGE, rows: [Buffer.from('4\tfour\ty\n')] },
      MOVE,
      [''],
    );
    expect(await stored()).toEqual([
      { id: 1, label: 'one', note: null },
      { id: 2, label: 'grüße', note: 'x' },
      { id: 3, label: 'three', note: null },
      { id: 4, label: 'four', note: 'y' },
    ]);
  });

  it('copyRows stores all or nothing: a duplicate key refuses the whole batch, and the next one is stored', async () => {
    await prisma.copyRows({ into: TARGET, rows: '1\tfirst\t\\N\n' });
    const duplicate = prisma.copyRows({
      into: TARGET,
      rows: '2\tsecond\t\\N\n1\tagain\t\\N\n3\tthird\t\\N\n',
    });
    expect(databaseErrorCode(await duplicate.catch((error: unknown) => error))).toBe('23505');
    expect(await stored()).toEqual([{ id: 1, label: 'first', note: null }]);
    for (let round = 0; round < 3; round++) {
      const malformed = prisma.copyRows({
        into: TARGET,
        rows: `${10 + round}\tnot a number\tx\nNaN\tx\tx\n`,
      });
      expect(databaseErrorCode(await malformed.catch((error: unknown) => error))).toBe('22P02');
    }
    expect(await prisma.copyRows({ into: TARGET, rows: '2\tsecond\t\\N\n' })).toBe(1);
    expect((await stored()).map((row) => row.id)).toEqual([1, 2]);
  });

  it('takes another delimiter, escaped with a backslash inside a value, in both calls', async () => {
    const rows = '1|a\\|b|\\N\n2|c\\\\|d\n';
    expect(await prisma.copyRows({ into: TARGET, rows, delimiter: '|' })).toBe(2);
    await prisma.copyThenQuery(
      { setup: CREATE_STAGE, into: STAGE, rows: '3|e\\|f|g\n', delimiter: '|' },
      MOVE,
      [''],
    );
    expect(await stored()).toEqual([
      { id: 1, label: 'a|b', note: null },
      { id: 2, label: 'c\\', note: 'd' },
      { id: 3, label: 'e|f', note: 'g' },
    ]);
  });
});
