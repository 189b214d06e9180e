import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATA_DIR_LOCK_FILE, DataDirInUseError, lockDataDir } from './data-dir-lock';

/** A real process that stays alive until killed. */
function liveProcess(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
}

async function killed(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

function writeLock(dataDir: string, owner: { pid: number; host?: string; token?: string }): void {
  const lock = { pid: owner.pid, host: owner.host ?? hostname(), token: owner.token ?? randomUUID() };
  writeFileSync(join(dataDir, DATA_DIR_LOCK_FILE), JSON.stringify(lock));
}

async function refusal(dataDir: string): Promise<DataDirInUseError> {
  const error = await lockDataDir(dataDir).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DataDirInUseError);
  return error as DataDirInUseError;
}

describe('lockDataDir', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'threatline-lock-'));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) await killed(child);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes the owner pid, refuses a second taker while held, and can be taken again once released', async () => {
    const lock = await lockDataDir(dataDir);
    const written = JSON.parse(readFileSync(join(dataDir, DATA_DIR_LOCK_FILE), 'utf8')) as { pid: number };
    expect(written.pid).toBe(process.pid);
    expect((await refusal(dataDir)).message).toBe(`DATA_DIR ${dataDir} is in use by process ${process.pid}`);
    await lock.release();
    expect(existsSync(join(dataDir, DATA_DIR_LOCK_FILE))).toBe(false);
    const again = await lockDataDir(dataDir);
    await again.release();
    // Only the lock file came and went: no drafts or set-aside files are left behind.
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('lets exactly one of many concurrent takers win', async () => {
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => lockDataDir(dataDir)));
    const won = results.filter((result) => result.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(DataDirInUseError);
    }
    await won[0]!.value.release();
  });

  it('refuses while another live process holds it, naming that process', async () => {
    const owner = liveProcess();
    children.push(owner);
    writeLock(dataDir, { pid: owner.pid! });
    expect((await refusal(dataDir)).message).toBe(`DATA_DIR ${dataDir} is in use by process ${owner.pid}`);
  });

  it('takes over the lock of a process that was killed', async () => {
    const owner = liveProcess();
    children.push(owner);
    writeLock(dataDir, { pid: owner.pid! });
    await killed(owner);
    const lock = await lockDataDir(dataDir);
    const written = JSON.parse(readFileSync(join(dataDir, DATA_DIR_LOCK_FILE), 'utf8')) as { pid: number };
    expect(written.pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over a lock with its own pid from an earlier life (a restarted container), and an unreadable one', async () => {
    writeLock(dataDir, { pid: process.pid });
    await (await lockDataDir(dataDir)).release();
    writeFileSync(join(dataDir, DATA_DIR_LOCK_FILE), '');
    await (await lockDataDir(dataDir)).release();
  });

  it('respects a lock from another host, which it cannot check, and says what to do', async () => {
    writeLock(dataDir, { pid: 4242, host: 'other-host.example' });
    const error = await refusal(dataDir);
    expect(error.message).toContain(
      `DATA_DIR ${dataDir} is in use by process 4242 on host other-host.example`,
    );
    expect(error.message).toContain(join(dataDir, DATA_DIR_LOCK_FILE));
  });

  it('does not remove a lock that another process took after this one was released', async () => {
    const lock = await lockDataDir(dataDir);
    const owner = liveProcess();
    children.push(owner);
    writeLock(dataDir, { pid: owner.pid! }); // as if the lock had been taken over meanwhile
    await lock.release();
    expect(existsSync(join(dataDir, DATA_DIR_LOCK_FILE))).toBe(true);
  });
});
