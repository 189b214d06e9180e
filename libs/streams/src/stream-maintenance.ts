import { Injectable } from '@nestjs/common';
import { AppConfig } from '@threatline/config';
import { PrismaService, type Prisma } from '@threatline/db';
import { stateChecksumOf, type StreamEntry, type StreamId } from '@threatline/protocol';
import { StreamWriter } from './stream-writer';
import type { StreamHead } from './stream-change';
import { lockStream, seqNumber } from './stream-rows';
import { validateChanges } from './stream-validation';

/** Deltas kept per stream however old they are, so a briefly disconnected agent still resumes from the log. */
export const MIN_DELTAS_KEPT = 1000;

/** Rebuilding or compacting a big stream rewrites many rows: far beyond Prisma's default 5 s transaction limit. */
const MAINTENANCE_TRANSACTION_TIMEOUT_MS = 5 * 60 * 1000;

export interface CompactionResult {
  streams: number;
  deletedDeltas: number;
}

/** Keeps the delta log bounded (compaction) and rebuilds a stream under a new epoch. */
@Injectable()
export class StreamMaintenance {
  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
    private readonly writer: StreamWriter,
  ) {}

  /**
   * Deletes deltas older than the retention window, keeping at least the last MIN_DELTAS_KEPT of each stream, and
   * advances each stream's log_start_seq past them. An agent behind the new start gets a snapshot instead.
   */
  async compact(now: Date = new Date()): Promise<CompactionResult> {
    const cutoff = new Date(now.getTime() - this.config.streamLogRetentionSeconds * 1000);
    const candidates = await this.prisma.$queryRaw<{ stream_id: string }[]>`
      SELECT DISTINCT stream_id FROM stream_delta WHERE created_at < ${cutoff}`;
    let deletedDeltas = 0;
    let streams = 0;
    for (const { stream_id: streamId } of candidates) {
      const deleted = await this.prisma.$transaction((tx) => compactStream(tx, streamId, cutoff), {
        timeout: MAINTENANCE_TRANSACTION_TIMEOUT_MS,
      });
      if (deleted > 0) streams++;
      deletedDeltas += deleted;
    }
    return { streams, deletedDeltas };
  }

  /**
   * Starts the stream over under epoch + 1: the log is emptied, the entries are replaced by `entries` when given
   * (kept otherwise), and count and checksum are recomputed from scratch. Every agent then takes a snapshot. The
   * head seq stays where it was, so seqs (and acks against them) keep growing across epochs.
   */
  async rebuildStream(streamId: StreamId, entries?: readonly StreamEntry[]): Promise<StreamHead> {
    const head = await this.prisma.$transaction(
      async (tx) => {
        const stream = await lockStream(tx, streamId);
        if (entries !== undefined) await replaceEntries(tx, streamId, entries);
        // One JSON text rather than a row per entry: far cheaper for big streams.
        const [all] = await tx.$queryRaw<{ entries: string }[]>`
        SELECT '[' || coalesce(string_agg(entry::text, ','), '') || ']' AS entries
          FROM stream_entry WHERE stream_id = ${streamId}`;
        const current = JSON.parse(all?.entries ?? '[]') as StreamEntry[];
        const headSeq = seqNumber(stream.head_seq);
        const checksum = stateChecksumOf(streamId, current);
        await tx.$executeRaw`DELETE FROM stream_delta WHERE stream_id = ${streamId}`;
        await tx.$executeRaw`
        UPDATE stream SET epoch = ${stream.epoch + 1}, checksum = ${checksum}, entry_count = ${current.length},
                          log_start_seq = ${headSeq + 1}, updated_at = now()
        WHERE id = ${streamId}`;
        return { streamId, epoch: stream.epoch + 1, head: headSeq };
      },
      { timeout: MAINTENANCE_TRANSACTION_TIMEOUT_MS },
    );
    await this.writer.notify([head]);
    return head;
  }
}

async function replaceEntries(
  tx: Prisma.TransactionClient,
  streamId: StreamId,
  entries: readonly StreamEntry[],
): Promise<void> {
  validateChanges(
    streamId,
    entries.map((entry) => ({ op: 'upsert', key: entry.key, entry })),
  );
  await tx.$executeRaw`DELETE FROM stream_entry WHERE stream_id = ${streamId}`;
  await tx.$executeRaw`
    INSERT INTO stream_entry (stream_id, key, entry)
    SELECT ${streamId}, e.key, e.entry
    FROM unnest(${entries.map((entry) => entry.key)}::text[], ${entries.map((entry) => JSON.stringify(entry))}::jsonb[])
         AS e(key, entry)`;
}

async function compactStream(
  tx: Prisma.TransactionClient,
  streamId: StreamId,
  cutoff: Date,
): Promise<number> {
  const stream = await lockStream(tx, streamId);
  const head = seqNumber(stream.head_seq);
  const [firstRecent] = await tx.$queryRaw<{ seq: bigint | null }[]>`
    SELECT min(seq) AS seq FROM stream_delta WHERE stream_id = ${streamId} AND created_at >= ${cutoff}`;
  const keepFrom = Math.min(
    firstRecent?.seq == null ? head + 1 : seqNumber(firstRecent.seq),
    Math.max(head - MIN_DELTAS_KEPT + 1, 1),
  );
  if (keepFrom <= seqNumber(stream.log_start_seq)) return 0;
  const deleted =
    await tx.$executeRaw`DELETE FROM stream_delta WHERE stream_id = ${streamId} AND seq < ${keepFrom}`;
  await tx.$executeRaw`UPDATE stream SET log_start_seq = ${keepFrom} WHERE id = ${streamId}`;
  return deleted;
}
