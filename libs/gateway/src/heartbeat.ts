/** What the heartbeat needs of a connection. */
export interface Pingable {
  /** Set by the connection on every pong; cleared by each heartbeat round. */
  alive: boolean;
  ping(): void;
  /** Drops the connection without a close handshake (the peer is not answering anyway). */
  terminate(): void;
  /** Further per-round checks (lag bounds), run on the same timer. */
  onHeartbeat(now: number): void;
}

/**
 * One timer for every socket of the process (no timer per socket): each round, a connection
 * that did not answer the previous round's ping is dropped, the others are pinged. A dead peer
 * is therefore gone within two intervals.
 */
export class Heartbeat {
  private readonly timer: NodeJS.Timeout;

  constructor(
    intervalMs: number,
    private readonly connections: () => Iterable<Pingable>,
  ) {
    this.timer = setInterval(() => this.round(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private round(): void {
    const now = Date.now();
    for (const connection of this.connections()) {
      if (!connection.alive) {
        connection.terminate();
        continue;
      }
      connection.alive = false;
      connection.ping();
      connection.onHeartbeat(now);
    }
  }
}
