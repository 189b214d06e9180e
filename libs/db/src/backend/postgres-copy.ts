import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { copyStatement, rowPieces, type CopyIn, type CopyRows } from './database-backend';

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
    await pipeline(Readable.from(rowPieces(copy)), client.query(copyFrom(copyStatement(copy, 'STDIN'))));
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
export async function copyRows(pool: pg.Pool, copy: CopyRows): Promise<number> {
  const statement = copyStatement(copy, 'STDIN');
  const client = await pool.connect();
  try {
    const stream = client.query(copyFrom(statement));
    await pipeline(Readable.from(rowPieces(copy)), stream);
    return stream.rowCount;
  } finally {
    client.release();
  }
}
