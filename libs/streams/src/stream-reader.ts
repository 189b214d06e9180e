import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@threatline/db';
import { EMPTY_CHECKSUM, type Delta, type StreamEntry, type StreamId } from '@threatline/protocol';
import { seqNumber, type StreamRow } from './stream-rows';

/** Where a stream stands, as read. A stream never written reads as epoch 1, seq 0, empty. */
export interface StreamState {
  streamId: StreamId;
  epoch: number;
  head: number;
  checksum: string;
  entryCount: number;
  /** The oldest seq still in the log (head + 1 when the log is empty). */
  logStartSeq: number;
}

export type ReadSinceResult =
  | { kind: 'current'; epoch: number; seq: number; checksum: string }
  | { kind: 'deltas'; epoch: number; fromSeq: number; toSeq: number; checksum: string; deltas: Delta[] }
  | {
      kind: 'snapshot';
      epoch: number;
      seq: number;
      checksum: string;
      count: number;
      /**
       * The entries as one JSON array text, straight from PostgreSQL: the body of a snapshot frame as it is, so a
       * gateway encodes a 100k-entry snapshot without parsing it (JSON.parse it for objects).
       */
      entriesJson: string;
    };

/** Below this many deltas a gap is always sent as deltas (a snapshot is no smaller). */
const MIN_DELTAS_BEFORE_SNAPSHOT = 64;

/** Reads a stream for agents: what they missed as deltas, or a snapshot when that is shorter or necessary. */
@Injectable()
export class StreamReader {
  constructor(private readonly prisma: PrismaService) {}

  async head(streamId: StreamId): Promise<StreamState> {
    const [row] = await this.prisma.$queryRaw<StreamRow[]>`
      SELECT epoch, head_seq, checksum, entry_count, log_start_seq FROM stream WHERE id = ${streamId}`;
    return stateOf(streamId, row);
  }

  /**
   * What an agent holding (`epoch`, `seq`) needs: the deltas seq+1..head when its epoch is the stream's, the gap is
   * still in the log and at most `maxDeltas` long (and no longer than the snapshot would be); `current` when it is
   * up to date; a snapshot otherwise (another epoch, a compacted seq, a seq ahead of the head, a long gap).
   */
  async readSince(
    streamId: StreamId,
    epoch: number,
    seq: number,
    maxDeltas: number,
  ): Promise<ReadSinceResult> {
    const state = await this.head(streamId);
    if (epoch === state.epoch && seq === state.head) {
      return { kind: 'current', epoch: state.epoch, seq: state.head, checksum: state.checksum };
    }
    const gap = state.head - seq;
    const inLog = epoch === state.epoch && gap > 0 && seq + 1 >= state.logStartSeq;
    if (inLog && gap <= maxDeltas && gap <= Math.max(state.entryCount, MIN_DELTAS_BEFORE_SNAPSHOT)) {
      const deltas = await this.deltas(streamId, seq + 1, state.head);
      // Compaction or a rebuild may have taken deltas since the head was read: then a snapshot is the answer.
      if (deltas.length === gap) {
        return {
          kind: 'deltas',
          epoch: state.epoch,
          fromSeq: seq + 1,
          toSeq: state.head,
          checksum: state.checksum,
          deltas,
        };
      }
    }
    return this.snapshot(streamId);
  }

  /** The whole current state, read in one consistent snapshot of the database. */
  async snapshot(streamId: StreamId): Promise<Extract<ReadSinceResult, { kind: 'snapshot' }>> {
    const [rows, bodies] = await this.prisma.$transaction(
      [
        this.prisma.$queryRaw<StreamRow[]>`
          SELECT epoch, head_seq, checksum, entry_count, log_start_seq FROM stream WHERE id = ${streamId}`,
        this.prisma.$queryRaw<{ entries: string }[]>`
          SELECT '[' || coalesce(string_agg(entry::text, ','), '') || ']' AS entries
          FROM stream_entry WHERE stream_id = ${streamId}`,
      ],
      { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead },
    );
    const state = stateOf(streamId, rows[0]);
    return {
      kind: 'snapshot',
      epoch: state.epoch,
      seq: state.head,
      checksum: state.checksum,
      count: state.entryCount,
      entriesJson: bodies[0]?.entries ?? '[]',
    };
  }

  /** The deltas from..to that are still in the log, in seq order. */
  async deltas(streamId: StreamId, fromSeq: number, toSeq: number): Promise<Delta[]> {
    const rows = await this.prisma.$queryRaw<
      { seq: bigint; op: 'upsert' | 'remove'; key: string; entry: StreamEntry | null }[]
    >`
      SELECT seq, op, key, entry FROM stream_delta
      WHERE stream_id = ${streamId} AND seq BETWEEN ${fromSeq} AND ${toSeq} ORDER BY seq`;
    return rows.map((row) => {
      const seq = seqNumber(row.seq);
      return row.op === 'upsert'
        ? { seq, op: 'upsert', key: row.key, entry: row.entry! }
        : { seq, op: 'remove', key: row.key };
    });
  }
}

function stateOf(streamId: StreamId, row: StreamRow | undefined): StreamState {
  if (row === undefined) {
    return { streamId, epoch: 1, head: 0, checksum: EMPTY_CHECKSUM, entryCount: 0, logStartSeq: 1 };
  }
  return {
    streamId,
    epoch: row.epoch,
    head: seqNumber(row.head_seq),
    checksum: row.checksum,
    entryCount: row.entry_count,
    logStartSeq: seqNumber(row.log_start_seq),
  };
}
