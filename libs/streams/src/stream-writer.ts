import { Injectable, Logger } from '@nestjs/common';
import type { Prisma } from '@threatline/db';
import { StateChecksum } from '@threatline/matcher';
import { PubSub } from '@threatline/messaging';
import { checksumItemOf, type StreamEntry, type StreamId } from '@threatline/protocol';
import {
  encodeFirewallNotice,
  encodeStreamNotice,
  streamChannel,
  tenantFirewallsChannel,
  type FirewallNoticeKind,
} from './notices';
import { sameJson } from './same-entry';
import type { AppliedChanges, StreamChange, StreamHead } from './stream-change';
import { lockStream, seqNumber } from './stream-rows';
import { validateChanges } from './stream-validation';

/**
 * Appends changes to a stream's delta log inside the caller's transaction (the outbox): the deltas, the current
 * entries, the head and the checksum commit or roll back together with the change that caused them. The stream
 * row is locked first, so concurrent writers queue and every delta gets the next seq, with no gap.
 */
@Injectable()
export class StreamWriter {
  private readonly logger = new Logger(StreamWriter.name);

  constructor(private readonly pubSub: PubSub) {}

  /**
   * Applies `changes` in order. A change that leaves the state as it is (the same entry already there, removing a
   * missing key) appends nothing. Throws a RangeError for a malformed change (a programming error), before writing.
   *
   * `known`: the current entries of the changed keys (a key without an entry: absent), when the caller already read
   * them in this transaction with the stream locked, as the feeds do; they are not read a second time (reading
   * 100,000 entries takes about a second). The map is the writer's from then on: it is updated as changes apply.
   */
  async apply(
    tx: Prisma.TransactionClient,
    streamId: StreamId,
    changes: readonly StreamChange[],
    known?: Map<string, StreamEntry>,
  ): Promise<AppliedChanges> {
    validateChanges(streamId, changes);
    const stream = await lockStream(tx, streamId);
    let head = seqNumber(stream.head_seq);
    const unchanged = { streamId, epoch: stream.epoch, head, appended: 0, checksum: stream.checksum };
    if (changes.length === 0) return unchanged;

    const current =
      stream.entry_count === 0
        ? new Map<string, StreamEntry>()
        : (known ?? (await currentEntries(tx, streamId, changes)));
    const checksum = StateChecksum.fromHex(stream.checksum);
    let entryCount = stream.entry_count;
    const deltas: { seq: number; op: 'upsert' | 'remove'; key: string; entry: StreamEntry | null }[] = [];
    for (const change of changes) {
      const before = current.get(change.key);
      if (change.op === 'upsert') {
        if (before !== undefined && sameJson(before, change.entry)) continue;
        if (before === undefined) entryCount++;
        else checksum.remove(checksumItemOf(streamId, before));
        checksum.add(checksumItemOf(streamId, change.entry));
        current.set(change.key, change.entry);
        deltas.push({ seq: ++head, op: 'upsert', key: change.key, entry: change.entry });
      } else {
        if (before === undefined) continue;
        entryCount--;
        checksum.remove(checksumItemOf(streamId, before));
        current.delete(change.key);
        deltas.push({ seq: ++head, op: 'remove', key: change.key, entry: null });
      }
    }
    if (deltas.length === 0) return unchanged;

    for (const chunk of chunks(deltas)) {
      await tx.$executeRaw`
        INSERT INTO stream_delta (stream_id, seq, op, key, entry)
        SELECT ${streamId}, d.seq, d.op, d.key, d.entry
        FROM jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) AS d(seq bigint, op text, key text, entry jsonb)`;
    }
    await writeEntries(tx, streamId, deltas, current, unchanged.head);
    const checksumHex = checksum.toHex();
    await tx.$executeRaw`
      UPDATE stream SET head_seq = ${head}, checksum = ${checksumHex}, entry_count = ${entryCount}, updated_at = now()
      WHERE id = ${streamId}`;
    return { streamId, epoch: stream.epoch, head, appended: deltas.length, checksum: checksumHex };
  }

  /**
   * Wakes every gateway holding these streams (their streamChannel on the bus). Call after the transaction committed. A
   * notice carries no data (readers fetch the deltas from PostgreSQL), so this never throws: a notice that cannot be
   * sent is logged, and the deltas reach agents with the next notice or resume.
   */
  async notify(streams: Iterable<StreamId | StreamHead>): Promise<void> {
    const latest = new Map<StreamId, StreamHead | undefined>();
    for (const stream of streams) {
      if (typeof stream === 'string') {
        if (!latest.has(stream)) latest.set(stream, undefined);
      } else {
        const known = latest.get(stream.streamId);
        if (known === undefined || stream.head > known.head) latest.set(stream.streamId, stream);
      }
    }
    await Promise.all(
      [...latest].map(([streamId, head]) =>
        this.publish(streamChannel(streamId), encodeStreamNotice(streamId, head)),
      ),
    );
  }

  /**
   * Tells the gateways that a firewall moved to another group (its stream set changed) or was deregistered (its
   * socket must close), on its tenant's `firewalls:<tenantId>`. Call after the transaction committed; never throws,
   * as notify.
   */
  async notifyFirewall(
    firewall: { firewallId: string; tenantId: string },
    kind: FirewallNoticeKind,
  ): Promise<void> {
    await this.publish(
      tenantFirewallsChannel(firewall.tenantId),
      encodeFirewallNotice({ firewallId: firewall.firewallId, kind }),
    );
  }

  private async publish(channel: string, message: string): Promise<void> {
    try {
      await this.pubSub.publish(channel, message);
    } catch (error) {
      this.logger.warn(`could not publish the notice on ${channel}: ${String(error)}`);
    }
  }
}

/**
 * Rows per statement when a change is written: each chunk goes as one JSON text parameter (several times faster
 * through the driver than per-column arrays, and PGlite takes it too), small enough to keep each statement's
 * memory modest when 100,000 changes are applied at once.
 */
const ROWS_PER_STATEMENT = 10_000;

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    out.push(rows.slice(start, start + ROWS_PER_STATEMENT));
  }
  return out;
}

/** The current entries of the keys `changes` touch. */
async function currentEntries(
  tx: Prisma.TransactionClient,
  streamId: StreamId,
  changes: readonly StreamChange[],
): Promise<Map<string, StreamEntry>> {
  const current = new Map<string, StreamEntry>();
  for (const keys of chunks([...new Set(changes.map((change) => change.key))])) {
    const rows = await tx.$queryRaw<{ key: string; entry: StreamEntry }[]>`
      SELECT e.key, e.entry
      FROM jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb) AS k(key)
      JOIN stream_entry e ON e.stream_id = ${streamId} AND e.key = k.key`;
    for (const row of rows) current.set(row.key, row.entry);
  }
  return current;
}

/**
 * Brings stream_entry to the final state of every key the deltas touched. When each key has one delta (a feed's
 * publication or revocation), the entries are copied from the deltas just written, in the database, instead of
 * sending every entry a second time; otherwise each key's final entry is sent.
 */
async function writeEntries(
  tx: Prisma.TransactionClient,
  streamId: StreamId,
  deltas: readonly { op: 'upsert' | 'remove'; key: string }[],
  final: ReadonlyMap<string, StreamEntry>,
  headBefore: number,
): Promise<void> {
  const touched = [...new Set(deltas.map((delta) => delta.key))];
  if (touched.length === deltas.length) {
    const upserts = deltas.some((delta) => delta.op === 'upsert');
    const removes = deltas.some((delta) => delta.op === 'remove');
    if (upserts) {
      await tx.$executeRaw`
      INSERT INTO stream_entry (stream_id, key, entry)
      SELECT stream_id, key, entry FROM stream_delta
      WHERE stream_id = ${streamId} AND seq > ${headBefore} AND op = 'upsert'
      ON CONFLICT (stream_id, key) DO UPDATE SET entry = EXCLUDED.entry`;
    }
    if (removes) {
      await tx.$executeRaw`
      DELETE FROM stream_entry e USING stream_delta d
      WHERE d.stream_id = ${streamId} AND d.seq > ${headBefore} AND d.op = 'remove'
        AND e.stream_id = ${streamId} AND e.key = d.key`;
    }
    return;
  }
  const kept = touched.filter((key) => final.has(key));
  const dropped = touched.filter((key) => !final.has(key));
  for (const keys of chunks(kept)) {
    const rows = JSON.stringify(keys.map((key) => ({ key, entry: final.get(key) })));
    await tx.$executeRaw`
      INSERT INTO stream_entry (stream_id, key, entry)
      SELECT ${streamId}, e.key, e.entry FROM jsonb_to_recordset(${rows}::jsonb) AS e(key text, entry jsonb)
      ON CONFLICT (stream_id, key) DO UPDATE SET entry = EXCLUDED.entry`;
  }
  for (const keys of chunks(dropped)) {
    await tx.$executeRaw`
      DELETE FROM stream_entry
      WHERE stream_id = ${streamId} AND key IN (SELECT jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))`;
  }
}
