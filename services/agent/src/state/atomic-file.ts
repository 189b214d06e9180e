import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A file written and flushed under a temporary name, not yet visible under its own. */
export interface StagedFile {
  readonly path: string;
  readonly tempPath: string;
}

const TEMP_MARK = '.tmp-';

/** True for the temporary names stageFile uses: what a crash before the rename leaves behind. */
export function isTempName(name: string): boolean {
  return name.includes(TEMP_MARK);
}

/** Writes `data` to a temporary file beside `path` and fsyncs it. Nothing under `path` changes yet. */
export async function stageFile(path: string, data: Uint8Array | string, mode = 0o644): Promise<StagedFile> {
  const tempPath = join(dirname(path), `${basename(path)}${TEMP_MARK}${randomBytes(6).toString('hex')}`);
  const handle = await open(tempPath, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tempPath, { force: true });
    throw error;
  }
  await handle.close();
  return { path, tempPath };
}

/** Renames staged files over their names, then fsyncs their directories so the renames survive a power cut. */
export async function commitFiles(files: readonly StagedFile[]): Promise<void> {
  for (const file of files) await rename(file.tempPath, file.path);
  for (const directory of new Set(files.map((file) => dirname(file.path)))) await syncDirectory(directory);
}

/** Write to a temporary name, fsync, rename, fsync the directory: a crash at any instant leaves either the old
 *  content or the new one under `path`, never a mix. */
export async function writeFileAtomic(path: string, data: Uint8Array | string, mode = 0o644): Promise<void> {
  await commitFiles([await stageFile(path, data, mode)]);
}

export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
