import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { Matcher, MatcherFormatError, StateChecksum, type MatcherChecksums } from '@threatline/matcher';
import { AgentState } from '../model/agent-state';
import { parseSettings, isRecord, type AgentSettings } from '../model/settings';
import { checksumItem, streamShape, type StreamEntry, type StreamShape } from '../model/stream-entry';
import { StreamState } from '../model/stream-state';
import { commitFiles, isTempName, stageFile, type StagedFile } from './atomic-file';
import { decodeStreamEntries, encodeStreamEntries } from './stream-file';

const FORMAT = 1;
const MANIFEST = 'manifest.json';

export interface ManifestFile {
  file: string;
  bytes: number;
  crc32: number;
}

export interface ManifestStream extends ManifestFile {
  id: string;
  epoch: number;
  seq: number;
  checksum: string;
  /** Entries by type (ipv4, cidr, domain, url; IP, NETWORK, DOMAIN, URL, HOST; settings). */
  counts: Record<string, number>;
}

/** What one save wrote: every file of that generation, and enough to serve decisions without the entries. */
export interface Manifest {
  format: number;
  generation: number;
  savedAt: string;
  settings: AgentSettings;
  matcher: ManifestFile & { checksums: MatcherChecksums };
  streams: ManifestStream[];
}

export type HeadLoad =
  | { status: 'none' }
  | { status: 'corrupt'; reason: string }
  | { status: 'ok'; manifest: Manifest; matcher: Matcher };

export type StateLoad =
  | { status: 'none' }
  | { status: 'corrupt'; reason: string }
  | { status: 'ok'; manifest: Manifest; state: AgentState };

export interface StagedSave {
  manifest: Manifest;
  files: StagedFile[];
  manifestFile: StagedFile;
  saved: string[];
}

/**
 * The agent's state under `<state-dir>/state`: a manifest naming one generation of files (the compiled matcher,
 * one entries file per stream) with their sizes and CRC-32s, and the stream positions and settings.
 *
 * A save writes the new generation's files under fresh names, fsyncs them, renames them in, and only then replaces
 * the manifest (write, fsync, rename, fsync the directory). A kill at any instant leaves the old manifest with its
 * old files, or the new manifest with its new ones; files no manifest names are removed on the next save. A
 * manifest, matcher or entries file that fails its CRC, its matcher format checksum or its stream checksum makes
 * the whole state untrusted: the caller starts empty and the service sends snapshots.
 */
export class StateStore {
  readonly directory: string;
  private current: Manifest | null = null;

  constructor(stateDir: string) {
    this.directory = join(stateDir, 'state');
  }

  /** The manifest and the matcher: all that deciding needs (the fast path of a cold start). */
  async loadHead(): Promise<HeadLoad> {
    let text: string;
    try {
      text = await readFile(join(this.directory, MANIFEST), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'none' };
      return { status: 'corrupt', reason: `the manifest cannot be read: ${(error as Error).message}` };
    }
    const manifest = parseManifest(text);
    if (typeof manifest === 'string') return { status: 'corrupt', reason: manifest };
    const bytes = await this.readChecked(manifest.matcher);
    if (typeof bytes === 'string') return { status: 'corrupt', reason: bytes };
    let matcher: Matcher;
    try {
      matcher = Matcher.deserialize(bytes);
    } catch (error) {
      if (error instanceof MatcherFormatError) {
        return { status: 'corrupt', reason: `the matcher file: ${error.problem}: ${error.message}` };
      }
      throw error;
    }
    const sums = matcher.checksums();
    const expected = manifest.matcher.checksums;
    if (sums.mdr !== expected.mdr || sums.xops !== expected.xops || sums.exclusions !== expected.exclusions) {
      return { status: 'corrupt', reason: 'the matcher file does not hold the state the manifest describes' };
    }
    this.current = manifest;
    return { status: 'ok', manifest, matcher };
  }

  /** The streams of a loaded manifest, each checked against its CRC and its recorded checksum. */
  async loadStreams(manifest: Manifest): Promise<StreamState[] | string> {
    const streams: StreamState[] = [];
    for (const record of manifest.streams) {
      const shape = streamShape(record.id)!;
      const bytes = await this.readChecked(record);
      if (typeof bytes === 'string') return bytes;
      const entries = await decodeStreamEntries(shape, Buffer.from(bytes).toString('utf8'));
      if (typeof entries === 'string') return `${record.file}: ${entries}`;
      const sum = await checksumInSlices(shape, entries.values());
      if (sum.toHex() !== record.checksum) {
        return `${record.file}: its entries sum to ${sum.toHex()}, the manifest says ${record.checksum}`;
      }
      streams.push(new StreamState(record.id, shape, record.epoch, record.seq, entries, sum));
    }
    return streams;
  }

  /** The whole state (head and streams). */
  async load(): Promise<StateLoad> {
    const head = await this.loadHead();
    if (head.status !== 'ok') return head;
    const streams = await this.loadStreams(head.manifest);
    if (typeof streams === 'string') return { status: 'corrupt', reason: streams };
    return { status: 'ok', manifest: head.manifest, state: new AgentState(head.matcher, streams) };
  }

  /**
   * Writes the next generation's files under temporary names (fsynced) without touching the current state. What
   * is encoded is the state at the call; later changes belong to the next save.
   */
  async stage(state: AgentState): Promise<StagedSave> {
    const generation = (this.current?.generation ?? 0) + 1;
    const previous = new Map((this.current?.streams ?? []).map((stream) => [stream.id, stream]));
    const pending: { path: string; data: Uint8Array; record: ManifestFile }[] = [];
    const streams: ManifestStream[] = [];
    const saved: string[] = [];
    for (const stream of state.streams) {
      const old = previous.get(stream.id);
      const counts = countByType(stream.values());
      const position = {
        id: stream.id,
        epoch: stream.epoch,
        seq: stream.seq,
        checksum: stream.checksum,
        counts,
      };
      if (old !== undefined && !state.dirty.has(stream.id)) {
        streams.push({ ...old, ...position });
        continue;
      }
      const data = Buffer.from(encodeStreamEntries(stream.shape, stream.values()), 'utf8');
      const file = `stream-${encodeURIComponent(stream.id)}.${generation}.ndjson`;
      const record = { file, bytes: data.length, crc32: crc32(data) };
      pending.push({ path: join(this.directory, file), data, record });
      streams.push({ ...position, ...record });
      saved.push(stream.id);
    }
    const matcherData = state.matcher.serialize();
    const matcherFile = `matcher.${generation}.bin`;
    const matcherRecord = { file: matcherFile, bytes: matcherData.length, crc32: crc32(matcherData) };
    pending.push({ path: join(this.directory, matcherFile), data: matcherData, record: matcherRecord });
    const manifest: Manifest = {
      format: FORMAT,
      generation,
      savedAt: new Date().toISOString(),
      settings: state.settings,
      matcher: { ...matcherRecord, checksums: state.matcher.checksums() },
      streams,
    };
    for (const id of saved) state.dirty.delete(id);
    try {
      await mkdir(this.directory, { recursive: true });
      const files: StagedFile[] = [];
      for (const item of pending) files.push(await stageFile(item.path, item.data));
      const manifestFile = await stageFile(join(this.directory, MANIFEST), formatManifest(manifest));
      return { manifest, files, manifestFile, saved };
    } catch (error) {
      for (const id of saved) state.dirty.add(id);
      throw error;
    }
  }

  /** Renames a staged generation in: its data files first, then the manifest that names them. */
  async commit(staged: StagedSave): Promise<void> {
    await commitFiles(staged.files);
    await commitFiles([staged.manifestFile]);
    this.current = staged.manifest;
    await this.removeUnreferenced();
  }

  async save(state: AgentState): Promise<Manifest> {
    const staged = await this.stage(state);
    try {
      await this.commit(staged);
    } catch (error) {
      for (const id of staged.saved) state.dirty.add(id);
      throw error;
    }
    return staged.manifest;
  }

  /** Forgets the saved state (it was found corrupt): the next save starts a new generation from scratch. */
  async discard(): Promise<void> {
    this.current = null;
    await rm(this.directory, { recursive: true, force: true });
  }

  /** Files of other generations and temporary files a crash left behind. */
  private async removeUnreferenced(): Promise<void> {
    const manifest = this.current;
    if (manifest === null) return;
    const keep = new Set([MANIFEST, manifest.matcher.file, ...manifest.streams.map((stream) => stream.file)]);
    for (const name of await readdir(this.directory)) {
      if (!keep.has(name) || isTempName(name)) await rm(join(this.directory, name), { force: true });
    }
  }

  private async readChecked(record: ManifestFile): Promise<Uint8Array | string> {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.directory, record.file));
    } catch (error) {
      return `${record.file} cannot be read: ${(error as Error).message}`;
    }
    if (bytes.length !== record.bytes)
      return `${record.file} is ${bytes.length} bytes, the manifest says ${record.bytes}`;
    if (crc32(bytes) !== record.crc32) return `${record.file} fails its CRC-32: the bytes are damaged`;
    return bytes;
  }
}

/** The StateChecksum of a stream's entries, yielding to the event loop between slices (see stream-file.ts). */
async function checksumInSlices(shape: StreamShape, entries: Iterable<StreamEntry>): Promise<StateChecksum> {
  const sum = new StateChecksum();
  let count = 0;
  for (const entry of entries) {
    sum.add(checksumItem(shape, entry));
    if (++count % 20_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return sum;
}

function countByType(entries: Iterable<StreamEntry>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of entries) {
    const type = 'type' in entry ? entry.type : 'settings';
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

/** The manifest's text: its CRC-32 in hex on the first line, then the JSON it covers. */
function formatManifest(manifest: Manifest): string {
  const body = JSON.stringify(manifest);
  return `${crc32(body).toString(16).padStart(8, '0')}\n${body}\n`;
}

function parseManifest(text: string): Manifest | string {
  const newline = text.indexOf('\n');
  const body = text.slice(newline + 1).replace(/\n$/, '');
  if (newline !== 8 || text.slice(0, 8) !== crc32(body).toString(16).padStart(8, '0')) {
    return 'the manifest fails its CRC-32: it is damaged';
  }
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return 'the manifest is not JSON';
  }
  if (!isRecord(raw) || raw.format !== FORMAT) return `the manifest is not format ${FORMAT}`;
  const settings = parseSettings(raw.settings);
  if (typeof settings === 'string') return `the manifest's ${settings}`;
  if (!isFileRecord(raw.matcher) || !isRecord(raw.matcher.checksums))
    return 'the manifest names no matcher file';
  if (!Array.isArray(raw.streams)) return 'the manifest lists no streams';
  for (const stream of raw.streams as unknown[]) {
    if (
      !isFileRecord(stream) ||
      typeof stream.id !== 'string' ||
      streamShape(stream.id) === null ||
      !Number.isSafeInteger(stream.epoch) ||
      !Number.isSafeInteger(stream.seq) ||
      typeof stream.checksum !== 'string'
    ) {
      return 'the manifest has a malformed stream record';
    }
  }
  return raw as unknown as Manifest;
}

function isFileRecord(value: unknown): value is Record<string, unknown> & ManifestFile {
  return (
    isRecord(value) &&
    typeof value.file === 'string' &&
    /^[A-Za-z0-9%_-][A-Za-z0-9%._-]*$/.test(value.file) &&
    Number.isSafeInteger(value.bytes) &&
    Number.isSafeInteger(value.crc32)
  );
}
