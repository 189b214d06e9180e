import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GATEWAY_OPTIONS, type GatewayOptions } from './gateway-options';
import { PresenceLeaseRepository } from './presence-lease.repository';

/**
 * This gateway process's presence lease. The firewalls it marks connected point at its id;
 * it renews the lease every third of its length (one row written per process, whatever the
 * number of agents), and at each renewal also sweeps the leases of gateways that stopped
 * renewing (killed, frozen, cut off), marking their firewalls disconnected. Every gateway
 * sweeps, so a dead one is cleaned up as long as any other runs.
 */
@Injectable()
export class PresenceLease implements OnModuleInit, OnModuleDestroy {
  readonly instanceId = randomUUID();
  private readonly logger = new Logger(PresenceLease.name);
  private readonly startedAt = new Date();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private held = false;
  private released = false;
  private readonly lostListeners: (() => void)[] = [];

  constructor(
    private readonly repository: PresenceLeaseRepository,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {}

  /** How often the lease is renewed and expired ones are swept. */
  get renewIntervalMs(): number {
    return Math.max(100, Math.floor(this.options.presenceLeaseMs / 3));
  }

  /** Called when the lease had been released by a sweep while this process still ran. */
  onLost(listener: () => void): void {
    this.lostListeners.push(listener);
  }

  /** Takes the lease before the gateway accepts sockets (a database down now is retried by the timer). */
  async onModuleInit(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.renewIntervalMs);
    this.timer.unref();
  }

  /** Stops renewing; the lease itself is released by `release()` once the disconnects are written. */
  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /**
   * A clean shutdown: stop renewing and mark disconnected whatever this process still holds
   * (normally nothing: each closed socket wrote its disconnect), then remove the row.
   */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    await this.ticking;
    try {
      await this.repository.releaseOwn(this.instanceId);
    } catch (error) {
      // The lease then expires by itself and another gateway's sweep releases it.
      this.logger.warn(`releasing the presence lease failed: ${String(error)}`);
    }
  }

  private tick(): Promise<void> {
    if (this.ticking || this.released) return this.ticking ?? Promise.resolve();
    this.ticking = this.renewAndSweep().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async renewAndSweep(): Promise<void> {
    try {
      const { created } = await this.repository.renew(
        this.instanceId,
        this.startedAt,
        this.options.presenceLeaseMs,
      );
      if (created && this.held) {
        this.logger.warn('the presence lease had expired and was released: re-marking the connected agents');
        for (const listener of this.lostListeners) listener();
      }
      this.held = true;
    } catch (error) {
      this.logger.warn(`renewing the presence lease failed: ${String(error)}`);
    }
    try {
      const released = await this.repository.sweepExpired();
      if (released > 0) {
        this.logger.log(`marked ${released} firewalls of expired gateways disconnected`);
      }
    } catch (error) {
      this.logger.warn(`sweeping expired presence leases failed: ${String(error)}`);
    }
  }
}
