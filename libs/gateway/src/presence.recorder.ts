import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_OPTIONS, type GatewayOptions } from './gateway-options';
import { KeyedBatcher } from './keyed-batcher';
import { PresenceLease } from './presence.lease';
import { PresenceRepository, type PresenceChange } from './presence.repository';

/**
 * Keeps `firewall.connected` and `last_seen_at` up to date from connects and disconnects,
 * written in batches (a reconnect storm is one statement a second, not one per agent). A
 * connected firewall points at this process's presence lease, so if the process dies without
 * writing its disconnects, the lease expires and another gateway marks them disconnected.
 * Clocks: the guard compares this process's time with other gateways' writes; a skew between
 * gateway hosts larger than a reconnect takes could leave a firewall shown disconnected until
 * its next connect.
 */
@Injectable()
export class PresenceRecorder {
  private readonly batcher: KeyedBatcher<PresenceChange>;
  /** The firewalls connected here and since when: what is re-marked if the lease was lost. */
  private readonly live = new Map<string, Date>();

  constructor(
    repository: PresenceRepository,
    private readonly lease: PresenceLease,
    @Inject(GATEWAY_OPTIONS) options: GatewayOptions,
  ) {
    this.batcher = new KeyedBatcher<PresenceChange>({
      name: 'PresenceRecorder',
      intervalMs: options.presenceFlushIntervalMs,
      maxKeys: 1000,
      // The later change of a firewall is its state; a disconnect keeps its own guard.
      merge: (waiting, newer) => (newer.at >= waiting.at ? newer : waiting),
      write: (batch) => repository.write(batch, lease.instanceId),
    });
    lease.onLost(() => this.reassert());
  }

  connected(firewallId: string, at: Date): void {
    this.live.set(firewallId, at);
    this.batcher.add(firewallId, { connected: true, at, connectedAt: null });
  }

  disconnected(firewallId: string, connectedAt: Date, at: Date): void {
    // A newer connection of the same firewall (here) keeps it live.
    if (this.live.get(firewallId) === connectedAt) this.live.delete(firewallId);
    this.batcher.add(firewallId, { connected: false, at, connectedAt });
  }

  flush(): Promise<void> {
    return this.batcher.flush();
  }

  /**
   * Stops the timer, writes what is waiting, and releases the lease (the gateway calls it after
   * its sockets closed).
   */
  async close(): Promise<void> {
    await this.batcher.close();
    await this.lease.release();
  }

  /** A sweep marked this process's firewalls disconnected while their sockets were open here. */
  private reassert(): void {
    const now = new Date();
    for (const firewallId of this.live.keys()) {
      this.batcher.add(firewallId, { connected: true, at: now, connectedAt: null });
    }
  }
}
