import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CopyIn } from './database-backend';

/** COPY then one statement in a transaction on a connection of the pool (DatabaseBackend.copyThenQuery). */
export async function copyThenQuery<Row>(
  pool: pg.Pool,
  copy: CopyIn,
  sql: string,
  params: readonly unknown[],
): Promise<Row[]> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(`BEGIN; ${copy.setup}`);
    await pipeline(Readable.from([copy.rows]), client.query(copyFrom(`COPY ${copy.into} FROM STDIN`)));
    const { rows } = await client.query(sql, [...params]);
    await client.query('COMMIT');
    return rows as Row[];
  } catch (error) {
    // A connection that cannot even roll back is not given back to the pool.
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw error;
  } finally {
    client.release(broken);
  }
}

/** One COPY, atomic on its own, on a connection of the pool (DatabaseBackend.copyRows): the rows it copied. */
export async function copyRows(pool: pg.Pool, into: string, rows: string): Promise<number> {
  const client = await pool.connect();
  try {
    const copy = client.query(copyFrom(`COPY ${into} FROM STDIN`));
    await pipeline(Readable.from([rows]), copy);
    return copy.rowCount;
  } finally {
    client.release();
  }
}
