import { Injectable } from '@nestjs/common';
import { PrismaService } from '@threatline/db';
import type { StreamId } from '@threatline/protocol';

export interface StreamAck {
  firewallId: string;
  streamId: StreamId;
  epoch: number;
  seq: number;
}

/** Records what firewalls have applied, in batches: the base of a feed's true delivery status. */
@Injectable()
export class AckRecorder {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * One multi-row upsert for the whole batch. Per (firewall, stream) the highest (epoch, seq) wins, in the batch and
   * against what is stored, so acks arriving late or twice never move a cursor back. Acks of firewalls that no
   * longer exist are dropped.
   */
  async record(batch: readonly StreamAck[]): Promise<void> {
    const latest = new Map<string, StreamAck>();
    for (const ack of batch) {
      const id = `${ack.firewallId} ${ack.streamId}`;
      const known = latest.get(id);
      if (
        known === undefined ||
        ack.epoch > known.epoch ||
        (ack.epoch === known.epoch && ack.seq > known.seq)
      ) {
        latest.set(id, ack);
      }
    }
    if (latest.size === 0) return;
    // A fixed row order, so two gateways upserting overlapping batches cannot deadlock.
    const acks = [...latest.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, ack]) => ack);
    await this.prisma.$executeRaw`
      INSERT INTO firewall_stream_ack (firewall_id, stream_id, epoch, seq, acked_at)
      SELECT a.firewall_id, a.stream_id, a.epoch, a.seq, now()
      FROM unnest(${acks.map((a) => a.firewallId)}::uuid[], ${acks.map((a) => a.streamId)}::text[],
                  ${acks.map((a) => a.epoch)}::int[], ${acks.map((a) => a.seq)}::bigint[])
           AS a(firewall_id, stream_id, epoch, seq)
      JOIN firewall f ON f.id = a.firewall_id
      ON CONFLICT (firewall_id, stream_id) DO UPDATE
        SET epoch = EXCLUDED.epoch, seq = EXCLUDED.seq, acked_at = EXCLUDED.acked_at
        WHERE (EXCLUDED.epoch, EXCLUDED.seq) > (firewall_stream_ack.epoch, firewall_stream_ack.seq)`;
  }
}
