export { MessagingModule } from './messaging.module';
export type { MessagingModuleOptions } from './messaging-options';
export {
  ATTACHMENT_ORPHAN_GRACE_MS,
  JobQueue,
  JobQueueClosedError,
  type EnqueueOptions,
  type JobContext,
  type JobHandler,
  type ProcessOptions,
} from './job-queue';
export { defineQueue, DEFAULT_RETRY, type QueueDefinition, type RetryPolicy } from './queue-definition';
export { QUEUES, type ThreatEventIngestPayload } from './queues';
export { PeriodicJob } from './periodic-job';
export { PubSub, type MessageHandler, type Unsubscribe } from './pub-sub';
export { MessagingHealth } from './messaging-health';
