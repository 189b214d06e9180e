import { Inject, Injectable, Logger } from '@nestjs/common';
import { EVENTS_ERROR_CODES, PROTOCOL_VERSION, encodeServerMessage } from '@threatline/protocol';
import { EventIngestor, type EncodedBatch } from '@threatline/reporting';
import type { AgentConnection } from './agent-connection';
import { FirewallStateRepository } from './firewall-state.repository';
import { GATEWAY_OPTIONS, type GatewayOptions } from './gateway-options';
import { GatewayMetrics } from './gateway-metrics';

type Outcome = 'accepted' | 'reporting_off' | 'invalid' | 'busy' | 'failed';

/**
 * The gateway's side of event upload (contract section 6): each `events` batch is handed to central reporting
 * (EventIngestor) under the firewall of the authenticated connection, never one the message names, and answered:
 *
 * - `eventsAck` once the batch is durable, and only then: the agent forgets it on this answer;
 * - `eventsAck` too when the firewall's central reporting is off: the events are not wanted (neither sent nor
 *   stored, issue 6), so nothing is stored and the agent must not keep them forever;
 * - `error` `events_retry_later` when the batch is not durable (Redis unreachable, a timeout, a database error) or
 *   the connection or the process has too many batches in flight: the agent keeps it and sends it again later;
 * - `error` `events_invalid` (agent-sessions.ts) when an event breaks the schema: nothing of it is stored.
 *
 * Memory is bounded: a connection has at most maxEventBatchesPerConnection batches in flight and the process
 * maxEventBatchesInFlight; a batch past its timeout still holds its slot until its enqueue settles.
 */
@Injectable()
export class EventUpload {
  private readonly logger = new Logger(EventUpload.name);
  private inFlight = 0;

  constructor(
    private readonly ingestor: EventIngestor,
    private readonly firewalls: FirewallStateRepository,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {}

  /** A valid batch, already encoded (encodeEventsFrame, or encodeBatch of the parsed message). */
  receive(connection: AgentConnection, batch: EncodedBatch): void {
    if (
      connection.eventBatchesInFlight >= this.options.maxEventBatchesPerConnection ||
      this.inFlight >= this.options.maxEventBatchesInFlight
    ) {
      this.count('busy', batch.events.count);
      this.retryLater(connection, batch.batchId, 'too many batches in flight; send it again later');
      return;
    }
    connection.eventBatchesInFlight++;
    this.inFlight++;
    this.metrics.eventBatchesInFlight.set(this.inFlight);
    void this.settle(connection, batch).finally(() => {
      connection.eventBatchesInFlight--;
      this.inFlight--;
      this.metrics.eventBatchesInFlight.set(this.inFlight);
    });
  }

  /** An events message whose envelope was valid and an event was not. */
  refuseInvalid(connection: AgentConnection, batchId: string, reason: string): void {
    this.count('invalid', 0);
    connection.sendText(
      encodeServerMessage({
        type: 'error',
        v: PROTOCOL_VERSION,
        code: EVENTS_ERROR_CODES.invalid,
        message: `batch refused, nothing of it stored: ${reason}`.slice(0, 1000),
        batchId,
      }),
    );
  }

  private async settle(connection: AgentConnection, batch: EncodedBatch): Promise<void> {
    const { batchId } = batch;
    const { count } = batch.events;
    const firewallId = connection.firewall.firewallId;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.count('failed', count);
      this.retryLater(connection, batchId, 'not stored in time (storage unreachable?); send it again later');
    }, this.options.eventAcceptTimeoutMs);
    try {
      if (!(await this.centralReporting(connection))) {
        if (timedOut) return;
        this.count('reporting_off', count);
        this.ack(connection, batchId);
        return;
      }
      await this.ingestor.accept(firewallId, batch);
      // Durable after the timeout answered: the agent sends it again, and that copy is acknowledged (stored once).
      if (timedOut) return;
      this.count('accepted', count);
      this.ack(connection, batchId);
    } catch (error) {
      this.logger.warn(`events batch ${batchId} of firewall ${firewallId} not accepted: ${String(error)}`);
      if (timedOut) return;
      this.count('failed', count);
      this.retryLater(connection, batchId, 'not stored (storage unavailable); send it again later');
    } finally {
      clearTimeout(timer);
    }
  }

  private async centralReporting(connection: AgentConnection): Promise<boolean> {
    const now = Date.now();
    const known = connection.centralReporting;
    if (known && known.until > now) return known.on;
    const on = await this.firewalls.centralReporting(connection.firewall.firewallId);
    connection.centralReporting = { on, until: now + this.options.reportingSettingTtlMs };
    return on;
  }

  private ack(connection: AgentConnection, batchId: string): void {
    connection.sendText(encodeServerMessage({ type: 'eventsAck', v: PROTOCOL_VERSION, batchId }));
  }

  private retryLater(connection: AgentConnection, batchId: string, message: string): void {
    connection.sendText(
      encodeServerMessage({
        type: 'error',
        v: PROTOCOL_VERSION,
        code: EVENTS_ERROR_CODES.retryLater,
        message,
        batchId,
      }),
    );
  }

  private count(outcome: Outcome, events: number): void {
    this.metrics.eventBatches.inc({ outcome });
    if (events > 0) this.metrics.events.inc({ outcome }, events);
  }
}
