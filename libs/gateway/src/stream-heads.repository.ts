import { Injectable } from '@nestjs/common';
import { PrismaService } from '@threatline/db';
import type { StreamId } from '@threatline/protocol';
import type { StreamHead } from './stream-channel';

/**
 * The heads of many streams in one read, for the gateway's periodic check against lost notices
 * (a stream without a row has never been written: it is not listed).
 */
@Injectable()
export class StreamHeadsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async heads(streamIds: readonly StreamId[]): Promise<Map<StreamId, StreamHead>> {
    const rows = await this.prisma.$queryRaw<
      { id: string; epoch: number; head_seq: bigint; checksum: string }[]
    >`
      SELECT id, epoch, head_seq, checksum FROM stream WHERE id = ANY(${[...streamIds]}::text[])`;
    return new Map(
      rows.map((row) => [row.id, { epoch: row.epoch, seq: Number(row.head_seq), checksum: row.checksum }]),
    );
  }
}
