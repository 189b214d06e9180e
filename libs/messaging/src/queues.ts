import type { QueueDefinition } from './queue-definition';

/**
 * Every queue of Threatline, in one place: its name, its payload type and its retry policy.
 * Producers and processors both refer to these constants, so a payload type cannot drift
 * between them. Add one with `defineQueue<Payload>('name', retry?)` when a feature needs it.
 */
export const QUEUES = {} satisfies Record<string, QueueDefinition<unknown>>;
