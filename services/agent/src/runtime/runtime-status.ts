import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../state/atomic-file';
import type { ConnectionStatus } from '../sync/stream-connection';
import type { NftablesStatus } from '../enforcement/nftables';
import type { RpzCounts } from '../enforcement/rpz';

/** What a running agent says about itself in `<state-dir>/runtime.json` (read by `status`). */
export interface RuntimeStatus {
  pid: number;
  version: string;
  startedAt: string;
  updatedAt: string;
  /** The decision API's address. */
  listen: string;
  /** The stream entries are loaded (until then decisions come from the saved matcher and the stream waits). */
  stateLoaded: boolean;
  connection: ConnectionStatus;
  /** Streams whose last batch did not add up and that wait for a snapshot. */
  resyncing: string[];
  events: { spooled: number; dropped: number; inFlight: number };
  nftables: { state: NftablesStatus | 'off'; lastError: string | null; table: string | null };
  rpz: { path: string | null; counts: RpzCounts | null; lastError: string | null };
}

const FILE = 'runtime.json';

export async function writeRuntimeStatus(stateDir: string, status: RuntimeStatus): Promise<void> {
  await writeFileAtomic(join(stateDir, FILE), JSON.stringify(status, null, 2) + '\n');
}

/** The last status a running agent wrote, or null. */
export async function readRuntimeStatus(stateDir: string): Promise<RuntimeStatus | null> {
  try {
    return JSON.parse(await readFile(join(stateDir, FILE), 'utf8')) as RuntimeStatus;
  } catch {
    return null;
  }
}

/** Whether a process with this pid is alive (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
