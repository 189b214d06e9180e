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
/** After `events_retry_later`, sending waits this long, doubled on each refusal in a row up to the cap. */
const RETRY_BASE_MS = 1_000;
const RETRY_CAP_MS = 60_000;

/**
 * Moves spooled batches up the socket while connected: a few in flight at a time, each removed from the spool
 * only by its `eventsAck`. A reconnect sends what was in flight again. When the service cannot take a batch now
 * (`events_retry_later`: storage unreachable, too busy) the batch stays spooled and sending pauses with a growing
 * backoff; a batch the service refuses as invalid is dropped, since no resend can make it valid.
 */
export class EventUploader {
  private readonly inFlight = new Map<string, number>();
  private pumping = false;
  private again = false;
  /** Consecutive `events_retry_later` answers, and no sending before `resumeAt`. */
  private refusals = 0;
  private resumeAt = 0;
  private resumeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly spool: EventSpool,
    private readonly channel: EventChannel,
    private readonly log: AgentLog,
    private readonly retry = { baseMs: RETRY_BASE_MS, capMs: RETRY_CAP_MS },
  ) {
    spool.onBatch(() => this.pump());
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  connected(): void {
    this.inFlight.clear();
    this.pump();
  }

  disconnected(): void {
    this.inFlight.clear();
  }

  acknowledged(batchId: string): void {
    this.inFlight.delete(batchId);
    this.refusals = 0;
    void this.spool.acknowledge(batchId).then(() => this.pump());
  }

  /** The service could not take the batch now: it stays spooled and is sent again after a backoff. */
  retryLater(batchId: string, message: string): void {
    this.inFlight.delete(batchId);
    const delay = Math.min(this.retry.capMs, this.retry.baseMs * 2 ** Math.min(this.refusals, 16));
    if (this.refusals === 0) this.log.warn(`events: ${message}; ${this.spool.size} events stay spooled`);
    this.refusals++;
    this.resumeAt = Math.max(this.resumeAt, Date.now() + delay);
    this.resumeLater();
  }

  /**
   * Pumps again at `resumeAt`. A timer may fire a millisecond before Date.now() reaches it (the two clocks round
   * differently), so send() arms it again rather than trusting one timer.
   */
  private resumeLater(): void {
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => this.pump(), Math.max(1, this.resumeAt - Date.now()));
    this.resumeTimer.unref();
  }

  /** The service refused the batch as invalid: no resend can change that, so it is dropped (and said). */
  invalid(batchId: string, message: string): void {
    this.inFlight.delete(batchId);
    this.log.error(`events: batch ${batchId} refused by the service and dropped: ${message}`);
    void this.spool.acknowledge(batchId).then(() => this.pump());
  }

  stop(): void {
    clearTimeout(this.resumeTimer);
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
    if (now < this.resumeAt) return this.resumeLater();
    if (!this.channel.connected || this.inFlight.size >= WINDOW) return;
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
