import type { HelloMessage, StreamId } from '@threatline/protocol';
import { StreamState } from './stream-state';

/** Everything an agent holds: one StreamState per stream of its current set. */
export class AgentState {
  private readonly states = new Map<StreamId, StreamState>();

  /** Starts from saved states (cursors and entries), for an agent that restarts. */
  constructor(saved: Iterable<StreamState> = []) {
    for (const state of saved) this.states.set(state.streamId, state);
  }

  stream(streamId: StreamId): StreamState | undefined {
    return this.states.get(streamId);
  }

  /** The state of a stream, empty (epoch 0) when nothing was received yet. */
  ensure(streamId: StreamId): StreamState {
    let state = this.states.get(streamId);
    if (!state) {
      state = new StreamState(streamId);
      this.states.set(streamId, state);
    }
    return state;
  }

  /** Keeps exactly the streams of the server's set; the others were left (a move). */
  retain(streamIds: readonly StreamId[]): void {
    const keep = new Set(streamIds);
    for (const streamId of this.states.keys()) if (!keep.has(streamId)) this.states.delete(streamId);
    for (const streamId of streamIds) this.ensure(streamId);
  }

  streams(): StreamState[] {
    return [...this.states.values()];
  }

  /** The positions to resume from, as hello says them (streams never received are left out). */
  cursors(): HelloMessage['streams'] {
    return this.streams()
      .filter((state) => state.epoch > 0)
      .map((state) => ({
        stream: state.streamId,
        epoch: state.epoch,
        seq: state.seq,
        checksum: state.checksum,
      }));
  }
}
