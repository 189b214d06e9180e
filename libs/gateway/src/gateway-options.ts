import { MIN_DELTAS_KEPT } from '@threatline/streams';
import { availableParallelism } from 'node:os';

/**
 * The gateway's limits and timings. The defaults are the production values; tests shorten the
 * timings. Every bound here exists so that one agent can never cost the process unbounded memory
 * or hold up the others.
 */
export interface GatewayOptions {
  /** The WebSocket path on the HTTP server (contract section 6). */
  path: string;
  /** Largest frame an agent may send, in bytes; larger ones close the socket with 1009. */
  maxPayloadBytes: number;
  /** Every socket is pinged this often by one shared timer; a socket that did not answer the previous ping is dropped. */
  pingIntervalMs: number;
  /** An upgraded socket that has not said hello by then is closed. */
  helloTimeoutMs: number;
  /** Frames an agent may send in a burst, and per second on average (a token bucket); beyond: close 4004. */
  frameBurst: number;
  framesPerSecond: number;
  /** Above this many unsent bytes a socket gets no live frames and catches up from the log once drained. */
  lagBufferBytes: number;
  /**
   * Above this many unsent bytes, or lagging for longer than `maxLagMs`, the socket is closed with
   * 4008. Nothing is sent to a lagging socket, so its buffer only exceeds the lag bound by the
   * frame in flight; queued frames are the shared buffers of the fan-out, not copies.
   */
  hardBufferBytes: number;
  maxLagMs: number;
  /** How often lagging sockets are looked at (drained? then catch up). */
  catchUpIntervalMs: number;
  /** How often the heads of all streams held here are compared with PostgreSQL, in case a notice was lost. */
  headCheckIntervalMs: number;
  /** How often the group and status of every connected firewall are re-read, in case a firewall notice was lost. */
  reconcileIntervalMs: number;
  /** Most deltas one catch-up read or one live read returns; beyond that the reader answers with a snapshot. */
  maxDeltasPerRead: number;
  /** Encoded resume answers (deltas or snapshots) are shared this long by agents resuming from the same position. */
  resumeCacheTtlMs: number;
  /**
   * The latest encoded snapshot of each stream is kept for agents that hold nothing of it (or another epoch),
   * and handed out while it is of the stream's epoch, at most this many deltas behind the head (never more
   * than it has entries) and younger than `snapshotReuseMaxAgeMs`; the agent then gets the deltas after it
   * from the log. The default is what compaction always keeps (MIN_DELTAS_KEPT), so those deltas are in the
   * log however old they are.
   */
  snapshotReuseMaxDeltas: number;
  snapshotReuseMaxAgeMs: number;
  /**
   * Resume answers and latest snapshots, with the copies in other formats made of them, take at most this many bytes in
   * all (least recently used out first).
   */
  resumeCacheMaxBytes: number;
  /**
   * Worker threads that parse, lay out and gzip whole indicator snapshots (and their copies in other formats), so the
   * event loop never does (a 100,000-indicator snapshot is 60-120 ms of CPU). Started with the gateway (a worker
   * takes a few hundred ms to load), so its first snapshot does not wait for one; a lost worker is replaced.
   */
  snapshotEncodeThreads: number;
  /** Acks are written in batches: this often, or as soon as this many are waiting. */
  ackFlushIntervalMs: number;
  ackFlushSize: number;
  /** Connected/last-seen changes are written in batches this often. */
  presenceFlushIntervalMs: number;
  /**
   * This process's presence lease: renewed every third of it; once expired (the process died
   * without shutting down), any gateway's sweep marks the firewalls it held disconnected.
   * From PRESENCE_LEASE_SECONDS unless overridden.
   */
  presenceLeaseMs: number;
  /** Sockets that have not finished their close handshake by then (on shutdown) are cut. */
  closeGraceMs: number;
  /**
   * Events batches of one connection being accepted at once; one more is answered `events_retry_later` at once.
   * With the process-wide bound below, what an agent flooding batches costs is bounded (each is at most a frame).
   */
  maxEventBatchesPerConnection: number;
  maxEventBatchesInFlight: number;
  /** A batch not durable by then (Redis unreachable) is answered `events_retry_later`; its slot stays taken until the enqueue settles. */
  eventAcceptTimeoutMs: number;
  /** How long a firewall's central-reporting setting read for its batches is reused. */
  reportingSettingTtlMs: number;
}

export const DEFAULT_GATEWAY_OPTIONS: Readonly<GatewayOptions> = {
  path: '/agent/v1',
  maxPayloadBytes: 1024 * 1024,
  pingIntervalMs: 30_000,
  helloTimeoutMs: 10_000,
  frameBurst: 200,
  framesPerSecond: 50,
  lagBufferBytes: 256 * 1024,
  hardBufferBytes: 64 * 1024 * 1024,
  maxLagMs: 60_000,
  catchUpIntervalMs: 50,
  headCheckIntervalMs: 10_000,
  reconcileIntervalMs: 30_000,
  maxDeltasPerRead: 10_000,
  resumeCacheTtlMs: 5_000,
  snapshotReuseMaxDeltas: MIN_DELTAS_KEPT,
  // A fleet comes online over minutes (a site's power back, a rollout): each firewall gets the encoded
  // snapshot. Past that, a stream nobody asked for lets go of its frame.
  snapshotReuseMaxAgeMs: 10 * 60_000,
  resumeCacheMaxBytes: 64 * 1024 * 1024,
  // One core for the event loop, the others (at most two) for snapshots, which are rare: one per stream and epoch.
  snapshotEncodeThreads: Math.max(1, Math.min(2, availableParallelism() - 1)),
  ackFlushIntervalMs: 250,
  ackFlushSize: 500,
  presenceFlushIntervalMs: 1_000,
  presenceLeaseMs: 20_000,
  closeGraceMs: 2_000,
  maxEventBatchesPerConnection: 8,
  maxEventBatchesInFlight: 256,
  eventAcceptTimeoutMs: 10_000,
  reportingSettingTtlMs: 5_000,
};

export const GATEWAY_OPTIONS = Symbol('GATEWAY_OPTIONS');
