import { setTimeout as sleep } from 'node:timers/promises';
import { Prisma, type PrismaClient } from './generated/prisma/client';

export interface TransactionOptions {
  /** Defaults to Serializable: correctness first; conflicts are retried. */
  readonly isolationLevel?: Prisma.TransactionIsolationLevel;
  /** Attempts before a conflict is reported to the caller (default 5). */
  readonly maxAttempts?: number;
  /** Longest time the transaction may run, in ms (Prisma's default is 5000). */
  readonly timeoutMs?: number;
}

// PostgreSQL's serialization_failure (40001) and deadlock_detected (40P01): the transaction
// was rolled back as a whole and may simply run again. Prisma reports them as P2034 when a
// query fails, but passes the driver adapter's error through when COMMIT fails.
const WRITE_CONFLICT = 'P2034';

function isWriteConflict(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) return error.code === WRITE_CONFLICT;
  const { name, cause } = error as { name?: unknown; cause?: { kind?: unknown } };
  return name === 'DriverAdapterError' && cause?.kind === 'TransactionWriteConflict';
}

/**
 * Runs `work` in an interactive transaction, again from the start when the database
 * aborts it for a write conflict (with a short randomized backoff). `work` must therefore
 * touch nothing but the transaction client: side effects belong after it returns.
 */
export async function runTransaction<T>(
  prisma: PrismaClient,
  work: (tx: Prisma.TransactionClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction(work, {
        isolationLevel: options.isolationLevel ?? Prisma.TransactionIsolationLevel.Serializable,
        timeout: options.timeoutMs,
      });
    } catch (error) {
      if (attempt >= maxAttempts || !isWriteConflict(error)) throw error;
      await sleep(Math.random() * 10 * 2 ** attempt);
    }
  }
}
