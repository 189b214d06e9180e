import { Inject, Injectable, Logger } from '@nestjs/common';
import { snapshotFormatFor } from '@threatline/protocol';
import { AckCollector } from './ack-collector';
import type { AgentConnection, StreamCursor } from './agent-connection';
import { GATEWAY_OPTIONS, type GatewayOptions } from './gateway-options';
import { ResumeFrames } from './resume-frames';
import type { StreamChannel } from './stream-channel';

interface CatchUpTask {
  connection: AgentConnection;
  channel: StreamChannel;
  cursor: StreamCursor;
}

/** Log reads for catching up in flight at once, across all connections. */
const MAX_CONCURRENT_READS = 16;

/**
 * Brings connections that are not live on a stream up to the stream's head from the log: after
 * hello (resume), after a gap or a slow socket (lagging), after a resync or a move. One frame per
 * round, and only once the socket drained, so a slow agent costs its own time, never memory or
 * anyone else's latency. When a cursor reaches the channel's head it turns live and gets the
 * shared frames again.
 */
@Injectable()
export class CatchUp {
  private readonly logger = new Logger(CatchUp.name);
  /** FIFO of tasks whose socket could take a frame; `next` indexes the first unread one. */
  private ready: CatchUpTask[] = [];
  private next = 0;
  /** Tasks waiting for their socket's send buffer to drain; looked at every tick. */
  private readonly draining = new Set<CatchUpTask>();
  private running = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly frames: ResumeFrames,
    private readonly acks: AckCollector,
    @Inject(GATEWAY_OPTIONS) options: GatewayOptions,
  ) {
    this.timer = setInterval(() => this.tick(), options.catchUpIntervalMs);
    this.timer.unref();
  }

  /** Takes the connection off the live path of `channel` until it caught up. */
  request(connection: AgentConnection, channel: StreamChannel): void {
    const cursor = connection.streams.get(channel.id);
    if (!cursor) return;
    cursor.live = false;
    if (cursor.catchingUp) return;
    cursor.catchingUp = true;
    this.ready.push({ connection, channel, cursor });
    this.pump();
  }

  get pending(): number {
    return this.ready.length - this.next + this.draining.size + this.running;
  }

  close(): void {
    clearInterval(this.timer);
    this.ready = [];
    this.next = 0;
    this.draining.clear();
  }

  private tick(): void {
    for (const task of this.draining) {
      if (!this.current(task) || task.connection.drained) {
        this.draining.delete(task);
        this.ready.push(task);
      }
    }
    this.pump();
  }

  private pump(): void {
    while (this.running < MAX_CONCURRENT_READS && this.next < this.ready.length) {
      const task = this.ready[this.next++]!;
      if (!this.current(task)) continue;
      if (!task.connection.drained) {
        this.draining.add(task);
        continue;
      }
      this.running++;
      void this.step(task).finally(() => {
        this.running--;
        this.pump();
      });
    }
    if (this.next === this.ready.length) {
      this.ready = [];
      this.next = 0;
    } else if (this.next > 1024 && this.next * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.next);
      this.next = 0;
    }
  }

  /** One round: at the head -> live; else send the next frame and queue the task again. */
  private async step(task: CatchUpTask): Promise<void> {
    const { connection, channel, cursor } = task;
    const head = channel.head;
    if (!head) return this.finish(task);
    if (cursor.epoch === head.epoch && cursor.seq === head.seq) return this.arrive(task, head.checksum);
    let answer;
    try {
      // Ahead of this process's head is possible (frames from another gateway, or a snapshot read
      // after a rebuild, not yet announced here) and so is a position the stream never had: the
      // log tells them apart. An older epoch, or nothing (epoch 0): a snapshot, which may be behind
      // the head (see ResumeFrames.snapshotAt); the next round takes the agent on from the log.
      answer =
        cursor.epoch >= head.epoch
          ? await this.frames.frameFrom(channel.id, cursor.epoch, cursor.seq)
          : await this.frames.snapshotAt(channel.id, head);
    } catch (error) {
      this.logger.warn(`catching up ${channel.id} failed, retrying: ${String(error)}`);
      this.draining.add(task);
      return;
    }
    const format =
      answer.kind === 'snapshot' && answer.format !== undefined
        ? snapshotFormatFor(answer.format, connection.snapshotFormats)
        : undefined;
    if (answer.kind === 'snapshot' && format !== undefined && format !== answer.format) {
      try {
        answer = await this.frames.inFormat(channel.id, answer, format);
      } catch (error) {
        this.logger.warn(`converting a snapshot of ${channel.id} failed, retrying: ${String(error)}`);
        this.draining.add(task);
        return;
      }
    }
    if (!this.current(task)) return;
    if (answer.kind === 'current') return this.arrive(task, answer.checksum);
    if (answer.kind === 'deltas' && (answer.epoch !== cursor.epoch || answer.fromSeq !== cursor.seq + 1)) {
      // A shared answer for this position from before a move of the cursor: ask again.
      return this.requeue(task);
    }
    connection.sendFrame(cursor, answer);
    this.requeue(task);
  }

  /**
   * The cursor is at the stream's head, whose state sums to `checksum`: live. An agent whose
   * state there sums to something else (it said so in hello) gets a snapshot instead; one whose
   * state is proven by its checksum has applied the head, and that is recorded as its ack.
   */
  private arrive(task: CatchUpTask, checksum: string): void {
    const { connection, channel, cursor } = task;
    if (cursor.checksum !== null && cursor.checksum !== checksum) {
      this.restart(cursor);
      return this.requeue(task);
    }
    if (cursor.claimed) {
      cursor.claimed = false;
      this.acks.add({
        firewallId: connection.firewall.firewallId,
        streamId: channel.id,
        epoch: cursor.epoch,
        seq: cursor.seq,
      });
    }
    cursor.live = true;
    this.finish(task);
  }

  /** Forget what the agent holds: the next frame is a snapshot. */
  private restart(cursor: StreamCursor): void {
    cursor.epoch = 0;
    cursor.seq = 0;
    cursor.checksum = null;
    cursor.claimed = false;
  }

  private requeue(task: CatchUpTask): void {
    this.ready.push(task);
  }

  private finish(task: CatchUpTask): void {
    task.cursor.catchingUp = false;
  }

  /** The task still matters: the socket is open and the cursor is still the one held for the stream. */
  private current(task: CatchUpTask): boolean {
    const stillHeld = task.connection.streams.get(task.channel.id) === task.cursor;
    if (!stillHeld || !task.connection.open || task.channel.closed) {
      task.cursor.catchingUp = false;
      return false;
    }
    return true;
  }
}
