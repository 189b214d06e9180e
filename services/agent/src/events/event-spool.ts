import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isTempName, writeFileAtomic } from '../state/atomic-file';
import type { ThreatEvent } from './threat-event';

export interface SpoolOptions {
  /** Bound on the spooled bytes; past it the oldest batches are dropped (and counted). */
  maxBytes: number;
  /** Events of one batch (the service takes at most 1000). */
  batchEvents: number;
  /** Bytes of one batch: the service's frame limit is 1 MiB. */
  batchBytes: number;
  /** How long events wait in memory before they are written. */
  flushMs: number;
}

export const DEFAULT_SPOOL_OPTIONS: SpoolOptions = {
  maxBytes: 64 * 1024 * 1024,
  batchEvents: 1000,
  batchBytes: 512 * 1024,
  flushMs: 200,
};

export interface SpooledBatch {
  batchId: string;
  events: ThreatEvent[];
}

interface Segment {
  name: string;
  batchId: string;
  count: number;
  bytes: number;
}

const SEGMENT = /^(\d{12})-([0-9a-f-]{36})-(\d+)\.ndjson$/;
const DROPPED_FILE = 'dropped.json';

/**
 * Events on their way to the service, on disk under `<state-dir>/events/spool`. Events gather in memory for at
 * most `flushMs`, then become one immutable batch file (written atomically) named by its order, its batch id and
 * its event count. A batch file is removed only when the service acknowledges its batch id, so a batch sent before
 * a crash or a disconnect is sent again with the same id (the service stores each event id once). Past `maxBytes`
 * the oldest batches are dropped; their events are counted in `dropped` (kept on disk), never silently lost.
 * A crash loses at most the events of the last `flushMs`.
 */
export class EventSpool {
  private segments: Segment[] = [];
  private buffer: string[] = [];
  private bufferBytes = 0;
  private nextOrder = 1;
  private droppedCount = 0;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private listeners: (() => void)[] = [];

  private constructor(
    private readonly directory: string,
    private readonly options: SpoolOptions,
  ) {}

  static async open(stateDir: string, options: Partial<SpoolOptions> = {}): Promise<EventSpool> {
    const spool = new EventSpool(join(stateDir, 'events', 'spool'), { ...DEFAULT_SPOOL_OPTIONS, ...options });
    await spool.load();
    return spool;
  }

  /** Spooled and dropped counts from the files alone (for `status`, while the agent may be running). */
  static async summary(stateDir: string): Promise<{ spooled: number; dropped: number }> {
    const directory = join(stateDir, 'events', 'spool');
    const names = await readdir(directory).catch(() => [] as string[]);
    let spooled = 0;
    for (const name of names) {
      const match = SEGMENT.exec(name);
      if (match !== null) spooled += Number(match[3]);
    }
    const dropped = safeJson(
      (await readFile(join(directory, DROPPED_FILE), 'utf8').catch(() => null)) ?? '',
    ) as {
      dropped?: unknown;
    } | null;
    return { spooled, dropped: typeof dropped?.dropped === 'number' ? dropped.dropped : 0 };
  }

  /** Spooled events (written and waiting in memory). */
  get size(): number {
    return this.segments.reduce((sum, segment) => sum + segment.count, 0) + this.buffer.length;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  /** Called after new batches are written, so an uploader can send them. */
  onBatch(listener: () => void): void {
    this.listeners.push(listener);
  }

  add(events: readonly ThreatEvent[]): void {
    for (const event of events) {
      const line = JSON.stringify(event);
      if (
        this.buffer.length >= this.options.batchEvents ||
        this.bufferBytes + line.length + 1 > this.options.batchBytes
      ) {
        this.seal();
      }
      this.buffer.push(line);
      this.bufferBytes += line.length + 1;
    }
    if (this.buffer.length > 0 && this.timer === null) {
      this.timer = setTimeout(() => this.seal(), this.options.flushMs);
    }
  }

  /** The oldest written batches, at most `limit`, skipping `except` (the batches in flight). */
  async oldest(limit: number, except: ReadonlySet<string>): Promise<SpooledBatch[]> {
    const out: SpooledBatch[] = [];
    for (const segment of [...this.segments]) {
      if (out.length >= limit) break;
      if (except.has(segment.batchId)) continue;
      const text = await readFile(join(this.directory, segment.name), 'utf8').catch(() => null);
      if (text === null) continue;
      out.push({ batchId: segment.batchId, events: parseLines(text) });
    }
    return out;
  }

  /** The service stored this batch: forget it. Unknown ids (dropped meanwhile) are ignored. */
  async acknowledge(batchId: string): Promise<void> {
    const index = this.segments.findIndex((segment) => segment.batchId === batchId);
    if (index < 0) return;
    const [segment] = this.segments.splice(index, 1);
    await rm(join(this.directory, segment!.name), { force: true });
  }

  /** Writes what is in memory now; resolves when every batch so far is on disk. */
  async flush(): Promise<void> {
    this.seal();
    await this.writing;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private seal(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.buffer.length === 0) return;
    const lines = this.buffer;
    this.buffer = [];
    this.bufferBytes = 0;
    const batchId = randomUUID();
    const name = `${String(this.nextOrder++).padStart(12, '0')}-${batchId}-${lines.length}.ndjson`;
    const data = lines.join('\n') + '\n';
    this.writing = this.writing.then(async () => {
      await writeFileAtomic(join(this.directory, name), data);
      this.segments.push({ name, batchId, count: lines.length, bytes: Buffer.byteLength(data) });
      await this.enforceBound();
      for (const listener of this.listeners) listener();
    });
    this.writing = this.writing.catch((error: unknown) => {
      // The disk refused the batch (full, read-only): its events count as dropped rather than crash the agent.
      this.droppedCount += lines.length;
      process.stderr.write(`events: could not spool ${lines.length} events: ${(error as Error).message}\n`);
    });
  }

  private async enforceBound(): Promise<void> {
    let total = this.segments.reduce((sum, segment) => sum + segment.bytes, 0);
    let dropped = 0;
    while (total > this.options.maxBytes && this.segments.length > 1) {
      const oldest = this.segments.shift()!;
      total -= oldest.bytes;
      dropped += oldest.count;
      await rm(join(this.directory, oldest.name), { force: true });
    }
    if (dropped > 0) {
      this.droppedCount += dropped;
      await writeFileAtomic(
        join(this.directory, DROPPED_FILE),
        JSON.stringify({ dropped: this.droppedCount }),
      );
    }
  }

  private async load(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const names = (await readdir(this.directory)).sort();
    for (const name of names) {
      if (isTempName(name)) {
        await rm(join(this.directory, name), { force: true });
        continue;
      }
      const match = SEGMENT.exec(name);
      if (match === null) continue;
      const { size } = await stat(join(this.directory, name));
      this.segments.push({ name, batchId: match[2]!, count: Number(match[3]), bytes: size });
      this.nextOrder = Math.max(this.nextOrder, Number(match[1]) + 1);
    }
    const dropped = await readFile(join(this.directory, DROPPED_FILE), 'utf8').catch(() => null);
    if (dropped !== null) {
      const parsed = safeJson(dropped) as { dropped?: unknown } | null;
      if (typeof parsed?.dropped === 'number') this.droppedCount = parsed.dropped;
    }
  }
}

function parseLines(text: string): ThreatEvent[] {
  const events: ThreatEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const event = safeJson(line);
    if (event !== null) events.push(event as ThreatEvent);
  }
  return events;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
