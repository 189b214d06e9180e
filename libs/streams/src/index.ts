export { StreamsModule, StreamCompactionModule } from './streams.module';
export { StreamWriter } from './stream-writer';
export { StreamReader, type ReadSinceResult, type StreamState } from './stream-reader';
export { AckRecorder, type StreamAck } from './ack-recorder';
export { StreamMaintenance, MIN_DELTAS_KEPT, type CompactionResult } from './stream-maintenance';
export { COMPACTION_INTERVAL_MS } from './stream-compaction.scheduler';
export type { AppliedChanges, StreamChange, StreamHead } from './stream-change';
export * from './notices';
export { streamsOfFirewall } from '@threatline/protocol';
