import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationChecksum, readMigrationFiles, scriptMatchesChecksum } from './migration-files';

describe('migration checksums', () => {
  it('are the SHA-256 hex digest Prisma Migrate stores', () => {
    // The vector of Prisma's own checksum test (schema-connector/src/checksum.rs).
    expect(migrationChecksum('hello')).toBe(
      '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    );
  });

  it('match a script whose line endings git converted', () => {
    const lf = 'CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n';
    const crlf = lf.replaceAll('\n', '\r\n');
    expect(scriptMatchesChecksum(crlf, migrationChecksum(lf))).toBe(true);
    expect(scriptMatchesChecksum(lf, migrationChecksum(crlf))).toBe(true);
  });

  it('match the unpadded hex that early Prisma versions wrote', () => {
    const script = 'SELECT 1;';
    const unpadded = [...Buffer.from(migrationChecksum(script), 'hex')].map((b) => b.toString(16)).join('');
    expect(unpadded.length).toBeLessThan(64);
    expect(scriptMatchesChecksum(script, unpadded)).toBe(true);
  });

  it('do not match an edited script', () => {
    expect(scriptMatchesChecksum('SELECT 1;\n', migrationChecksum('SELECT 1;'))).toBe(false);
  });
});

describe('readMigrationFiles', () => {
  let dir: string;
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function layout(files: Record<string, string>): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), 'threatline-migrations-'));
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    return dir;
  }

  it('reads migrations in name order with their checksums', async () => {
    await layout({
      'migration_lock.toml': 'provider = "postgresql"\n',
      '20260102000000_second/migration.sql': 'SELECT 2;',
      '20260101000000_first/migration.sql': 'SELECT 1;',
    });
    expect(await readMigrationFiles(dir)).toEqual([
      { name: '20260101000000_first', script: 'SELECT 1;', checksum: migrationChecksum('SELECT 1;') },
      { name: '20260102000000_second', script: 'SELECT 2;', checksum: migrationChecksum('SELECT 2;') },
    ]);
  });

  it('refuses a directory whose lock file names another provider', async () => {
    await layout({ 'migration_lock.toml': 'provider = "sqlite"\n' });
    await expect(readMigrationFiles(dir)).rejects.toThrow('expected "postgresql"');
  });

  it('refuses a migration directory without migration.sql', async () => {
    await layout({ 'migration_lock.toml': 'provider = "postgresql"\n', '20260101000000_x/notes.txt': '' });
    await expect(readMigrationFiles(dir)).rejects.toThrow('migration.sql is missing');
  });
});
