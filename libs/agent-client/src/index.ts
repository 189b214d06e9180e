export {
  AgentClient,
  type AgentClientEvents,
  type AgentClientOptions,
  type AgentClientStats,
  type AppliedEvent,
  EventsNotAcceptedError,
} from './agent-client';
export { AgentState } from './agent-state';
export { StreamState, type DeltasFit } from './stream-state';
export { DEFAULT_BACKOFF, fullJitterDelay, type BackoffOptions } from './backoff';
export { decodeSnapshot, MAX_SNAPSHOT_BODY_BYTES } from './snapshot-decoder';
export {
  StreamSocket,
  type StreamSocketEnd,
  type StreamSocketHandler,
  type StreamSocketOptions,
} from './stream-socket';
