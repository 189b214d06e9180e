import { errorText, type AgentLog } from '../log';
import type { EventSpool } from './event-spool';
import type { ThreatEvent } from './threat-event';

export interface EventChannel {
  readonly connected: boolean;
  sendEvents(batchId: string, events: readonly ThreatEvent[]): boolean;
}

/** Batches sent and not yet acknowledged at once. */
const WINDOW = 4;
/** A batch unacknowledged this long is sent again (same batch id: the service stores each event once). */
const RESEND_AFTER_MS = 60_000;

/**
 * Moves spooled batches up the socket while connected: a few in flight at a time, each removed from the spool
 * only by its `eventsAck`. A reconnect sends what was in flight again. When the service says it does not take
 * events, sending pauses until the next connection and the batches wait in the spool.
 */
export class EventUploader {
  private readonly inFlight = new Map<string, number>();
  private paused = false;
  private pumping = false;
  private again = false;
  private refusalLogged = false;

  constructor(
    private readonly spool: EventSpool,
    private readonly channel: EventChannel,
    private readonly log: AgentLog,
  ) {
    spool.onBatch(() => this.pump());
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  connected(): void {
    this.inFlight.clear();
    this.paused = false;
    this.pump();
  }

  disconnected(): void {
    this.inFlight.clear();
  }

  acknowledged(batchId: string): void {
    this.inFlight.delete(batchId);
    void this.spool.acknowledge(batchId).then(() => this.pump());
  }

  refused(message: string): void {
    this.paused = true;
    this.inFlight.clear();
    if (!this.refusalLogged) this.log.warn(`events: ${message}; ${this.spool.size} events stay spooled`);
    this.refusalLogged = true;
  }

  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.send()
      .catch((error: unknown) => this.log.error(`events: ${errorText(error)}`))
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.pump();
        }
      });
  }

  private async send(): Promise<void> {
    const now = Date.now();
    for (const [batchId, sentAt] of this.inFlight)
      if (now - sentAt > RESEND_AFTER_MS) this.inFlight.delete(batchId);
    if (this.paused || !this.channel.connected || this.inFlight.size >= WINDOW) return;
    const batches = await this.spool.oldest(WINDOW - this.inFlight.size, new Set(this.inFlight.keys()));
    for (const batch of batches) {
      if (batch.events.length === 0) {
        await this.spool.acknowledge(batch.batchId);
        continue;
      }
      if (!this.channel.sendEvents(batch.batchId, batch.events)) return;
      this.inFlight.set(batch.batchId, Date.now());
    }
  }
}
