export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * When the demo tenant, keys and enrollment token are created (contract section 3):
 * `first-embedded-start` (SEED_DEMO unset) seeds once in embedded mode only, `always`
 * (SEED_DEMO=1) seeds once in any mode, `never` (SEED_DEMO=0) does not seed.
 */
export type SeedDemo = 'first-embedded-start' | 'always' | 'never';

/**
 * The validated configuration of a process, parsed once at boot by `loadConfig` and
 * injected by this class as a token. Nothing else in the product reads `process.env`.
 */
export abstract class AppConfig {
  abstract readonly nodeEnv: NodeEnv;
  abstract readonly http: Readonly<{
    host: string;
    port: number;
    /** Base of every URL the service prints or hands out, without a trailing slash. */
    publicUrl: string;
    /** Largest accepted request body, in bytes. */
    bodyLimitBytes: number;
  }>;
  /** The agent WebSocket URL handed out at enrollment. */
  abstract readonly streamUrl: string;
  /** Absolute directory of the embedded database and the demo credentials. */
  abstract readonly dataDir: string;
  /** PostgreSQL URL; undefined means embedded PGlite under `dataDir`. */
  abstract readonly databaseUrl: string | undefined;
  /** Redis URL; undefined means in-process queues and pub/sub. */
  abstract readonly redisUrl: string | undefined;
  abstract readonly migrateOnStart: boolean;
  abstract readonly seedDemo: SeedDemo;
  abstract readonly logLevel: LogLevel;
  /** Prefix of every Redis key and BullMQ queue, so deployments can share a Redis. */
  abstract readonly queuePrefix: string;
  abstract readonly graphql: Readonly<{ maxDepth: number; maxCost: number; maxPageSize: number }>;
  /** How long stream deltas stay in the log before compaction (the last 1000 of a stream always stay). */
  abstract readonly streamLogRetentionSeconds: number;
  /**
   * How long a gateway process's presence lease lasts without renewal: a gateway that died
   * without shutting down has its firewalls shown disconnected this long after its last renewal.
   */
  abstract readonly presenceLeaseSeconds: number;
}
