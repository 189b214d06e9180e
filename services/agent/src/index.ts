// What the agent's own tooling (benchmarks) builds on: the state model and its store. The CLI is src/main.ts.
export { AgentState, type DeltasFrame, type SnapshotFrame } from './model/agent-state';
export { StateStore } from './state/state-store';
export { saveCredential } from './state/credential-store';
