// Row shapes and conversions shared by the writer, the reader and maintenance. Seqs are bigint in PostgreSQL and
// numbers everywhere else: a stream never gets near 2^53 deltas.

import type { Prisma } from '@threatline/db';

export interface StreamRow {
  epoch: number;
  head_seq: bigint;
  checksum: string;
  entry_count: number;
  log_start_seq: bigint;
}

export function seqNumber(value: bigint | number): number {
  const seq = Number(value);
  if (!Number.isSafeInteger(seq)) throw new RangeError(`seq ${value} is beyond 2^53`);
  return seq;
}

/** Locks the stream's row for the rest of the transaction, creating it (epoch 1, seq 0, empty) when missing. */
export async function lockStream(tx: Prisma.TransactionClient, streamId: string): Promise<StreamRow> {
  const [row] = await tx.$queryRaw<StreamRow[]>`
    SELECT epoch, head_seq, checksum, entry_count, log_start_seq FROM stream WHERE id = ${streamId} FOR UPDATE`;
  if (row) return row;
  await tx.$executeRaw`INSERT INTO stream (id) VALUES (${streamId}) ON CONFLICT (id) DO NOTHING`;
  const [created] = await tx.$queryRaw<StreamRow[]>`
    SELECT epoch, head_seq, checksum, entry_count, log_start_seq FROM stream WHERE id = ${streamId} FOR UPDATE`;
  if (!created) throw new Error(`stream ${streamId} vanished while being created`);
  return created;
}
