import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@threatline/db';
import {
  EMPTY_CHECKSUM,
  snapshotFormatOfKind,
  streamKindOf,
  type Delta,
  type SnapshotBody,
  type StreamEntry,
  type StreamId,
} from '@threatline/protocol';
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
       * The entries as a snapshot frame's body text, laid out by PostgreSQL (@threatline/protocol's `columns-v1`
       * for indicators and exclusions, `entries-v1` for settings), so a gateway encodes a 100k-entry snapshot
       * without parsing it (`parseSnapshotBody` gives the entries).
       */
      body: SnapshotBody;
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
        this.bodyQuery(streamId),
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
      body: { format: snapshotFormatOfKind(streamKindOf(streamId)), text: bodies[0]!.body },
    };
  }

  /**
   * The body text of a stream's entries, in its kind's format. Keys are made of the type and value the checksum
   * covers. Every column is aggregated in key order ("C" collation, code point order), so the columns line up
   * and the agent finds duplicates by comparing each key with the one before; the sorted subquery makes each
   * aggregate's own sort a pass over input already in order.
   */
  private bodyQuery(streamId: StreamId): Prisma.PrismaPromise<{ body: string }[]> {
    switch (streamKindOf(streamId)) {
      case 'indicators':
        return this.prisma.$queryRaw`
          WITH entry AS (
            SELECT ((entry->>'type') || ':' || (entry->>'value')) COLLATE "C" AS key, entry->>'auditId' AS audit_id,
                   CASE WHEN (entry->'dryRun')::boolean THEN '1' ELSE '0' END AS dry_run
            FROM stream_entry WHERE stream_id = ${streamId}
          ), audit AS (
            SELECT audit_id, (row_number() OVER (ORDER BY audit_id) - 1)::text AS position
            FROM (SELECT DISTINCT audit_id FROM entry) AS ids
          ), sorted AS (
            SELECT entry.key, audit.position, entry.dry_run
            FROM entry JOIN audit USING (audit_id) ORDER BY entry.key
          )
          SELECT '{"keys":[' || coalesce(string_agg(to_json(key)::text, ',' ORDER BY key), '')
                 || '],"auditIds":[' || (SELECT coalesce(string_agg(to_json(audit_id)::text, ',' ORDER BY position::int), '') FROM audit)
                 || '],"audit":[' || coalesce(string_agg(position, ',' ORDER BY key), '')
                 || '],"dryRun":[' || coalesce(string_agg(dry_run, ',' ORDER BY key), '') || ']}' AS body
          FROM sorted`;
      case 'exclusions':
        return this.prisma.$queryRaw`
          SELECT '{"keys":[' || coalesce(string_agg(to_json(key)::text, ',' ORDER BY key), '') || ']}' AS body
          FROM (
            SELECT ((entry->>'type') || ':' || (entry->>'value')) COLLATE "C" AS key
            FROM stream_entry WHERE stream_id = ${streamId}
          ) AS entry`;
      case 'settings':
        return this.prisma.$queryRaw`
          SELECT '[' || coalesce(string_agg(entry::text, ','), '') || ']' AS body
          FROM stream_entry WHERE stream_id = ${streamId}`;
    }
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
