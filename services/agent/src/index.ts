// What the agent's own tooling (benchmarks) builds on: the state model, its store and its stream connection. The CLI
// is src/main.ts (which loads the stream connection only once it serves decisions).
export { AgentState, type DeltasFrame, type SnapshotFrame } from './model/agent-state';
export { StateStore } from './state/state-store';
export { saveCredential } from './state/credential-store';
export { StreamConnection } from './sync/stream-connection';
