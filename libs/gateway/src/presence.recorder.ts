import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_OPTIONS, type GatewayOptions } from './gateway-options';
import { KeyedBatcher } from './keyed-batcher';
import { PresenceRepository, type PresenceChange } from './presence.repository';

/**
 * Keeps `firewall.connected` and `last_seen_at` up to date from connects and disconnects,
 * written in batches (a reconnect storm is one statement a second, not one per agent).
 * Clocks: the guard compares this process's time with other gateways' writes; a skew between
 * gateway hosts larger than a reconnect takes could leave a firewall shown disconnected until
 * its next connect.
 */
@Injectable()
export class PresenceRecorder {
  private readonly batcher: KeyedBatcher<PresenceChange>;

  constructor(repository: PresenceRepository, @Inject(GATEWAY_OPTIONS) options: GatewayOptions) {
    this.batcher = new KeyedBatcher<PresenceChange>({
      name: 'PresenceRecorder',
      intervalMs: options.presenceFlushIntervalMs,
      maxKeys: 1000,
      // The later change of a firewall is its state; a disconnect keeps its own guard.
      merge: (waiting, newer) => (newer.at >= waiting.at ? newer : waiting),
      write: (batch) => repository.write(batch),
    });
  }

  connected(firewallId: string, at: Date): void {
    this.batcher.add(firewallId, { connected: true, at, connectedAt: null });
  }

  disconnected(firewallId: string, connectedAt: Date, at: Date): void {
    this.batcher.add(firewallId, { connected: false, at, connectedAt });
  }

  flush(): Promise<void> {
    return this.batcher.flush();
  }

  /** Stops the timer and writes what is waiting (the gateway calls it after its sockets closed). */
  close(): Promise<void> {
    return this.batcher.close();
  }
}
