import type { Unsubscribe } from '@threatline/messaging';
import type { StreamId } from '@threatline/protocol';
import type { AgentConnection } from './agent-connection';

/** A stream's position as this process last read it. */
export interface StreamHead {
  epoch: number;
  seq: number;
  checksum: string;
}

/**
 * One stream as this gateway process serves it: one bus subscription, the position up to which
 * frames were read and fanned out, and the connections that hold the stream.
 */
export class StreamChannel {
  readonly members = new Set<AgentConnection>();
  /** Known once `ready` settled. */
  head: StreamHead | undefined;
  /** A notice arrived that the last read did not cover. */
  noticed = false;
  /** A log read is in flight (reads of one channel never overlap, so frames go out in order). */
  reading = false;
  closed = false;
  unsubscribe: Unsubscribe | undefined;
  ready: Promise<void> = Promise.resolve();

  constructor(readonly id: StreamId) {}
}
