import { randomUUID } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** The lock file in DATA_DIR while an embedded database is open there. */
export const DATA_DIR_LOCK_FILE = 'pglite.lock';

/** Another process (alive) has the embedded database of this DATA_DIR open. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
    lockPath: string,
  ) {
    super(
      owner.host === hostname()
        ? `DATA_DIR ${dataDir} is in use by process ${owner.pid}`
        : `DATA_DIR ${dataDir} is in use by process ${owner.pid} on host ${owner.host}` +
            ` (if that process is gone, remove ${lockPath})`,
    );
    this.name = 'DataDirInUseError';
  }
}

interface LockOwner {
  pid: number;
  host: string;
  /** Tells this process's locks apart from an earlier process's with the same pid (containers). */
  token: string;
}

export interface DataDirLock {
  /** Removes the lock file if it is still this lock's. */
  release(): Promise<void>;
}

/** Tokens of the locks this process holds or is taking: its own pid in a lock file is live only with one of them. */
const liveTokens = new Set<string>();

/**
 * Takes DATA_DIR for this process, so that two processes never open the same PGlite files
 * (PGlite has no lock of its own; two writers corrupt the database).
 *
 * The lock file holds `{pid, host, token}` and is created whole and atomically: written under a
 * unique name, then hard-linked to the lock name, which fails if it exists. A lock left by a
 * process that is gone (same host, pid not running, or this very pid from an earlier life of
 * a container) is stale: it is renamed away (atomic: one taker wins it) and the take retried.
 * A lock from another host cannot be checked and is respected.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const lockPath = join(dataDir, DATA_DIR_LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, host: hostname(), token: randomUUID() };
  const draft = `${lockPath}.${owner.token}`;
  liveTokens.add(owner.token);
  let taken = false;
  try {
    await writeFile(draft, JSON.stringify(owner) + '\n', { flag: 'wx' });
    for (let attempt = 0; ; attempt++) {
      try {
        await link(draft, lockPath);
        taken = true;
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw error;
      }
      const holder = await readOwner(lockPath);
      if (holder === 'gone') continue;
      if (holder !== 'unreadable' && !isStale(holder)) throw new DataDirInUseError(dataDir, holder, lockPath);
      await removeStale(lockPath, holder, dataDir);
    }
  } finally {
    if (!taken) liveTokens.delete(owner.token);
    await unlink(draft).catch(() => undefined);
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      const holder = await readOwner(lockPath);
      if (typeof holder === 'object' && holder.token === owner.token) {
        await unlink(lockPath).catch(() => undefined);
      }
      liveTokens.delete(owner.token);
    },
  };
}

async function readOwner(lockPath: string): Promise<LockOwner | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isInteger(parsed.pid) && typeof parsed.host === 'string' && typeof parsed.token === 'string') {
      return parsed as LockOwner;
    }
  } catch {
    // fall through: not a lock this code wrote whole
  }
  return 'unreadable';
}

function isStale(holder: LockOwner): boolean {
  if (holder.host !== hostname()) return false;
  // This pid without one of this process's tokens: an earlier process that had the same pid (a container's restart).
  if (holder.pid === process.pid) return !liveTokens.has(holder.token);
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: alive, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Renames the stale lock away, then checks that what was renamed is the stale lock and not a
 * live one another starter took meanwhile; a live one is put back and reported.
 */
async function removeStale(
  lockPath: string,
  stale: LockOwner | 'unreadable',
  dataDir: string,
): Promise<void> {
  const aside = `${lockPath}.stale-${randomUUID()}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // another starter removed it
    throw error;
  }
  const removed = await readOwner(aside);
  const sameAsStale =
    stale === 'unreadable'
      ? removed === 'unreadable'
      : typeof removed === 'object' && removed.token === stale.token;
  if (!sameAsStale && typeof removed === 'object') {
    await link(aside, lockPath).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    throw new DataDirInUseError(dataDir, removed, lockPath);
  }
  await unlink(aside).catch(() => undefined);
}
