import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ThreatEvent } from './threat-event';

const MAX_BYTES = 16 * 1024 * 1024;
const FLUSH_MS = 200;

/**
 * Local reporting (the firewall's own Log viewer): events appended as JSON lines to `<state-dir>/events/local.log`,
 * written every 200 ms; past 16 MiB the file becomes `local.log.1` (replacing the previous one).
 */
export class LocalEventLog {
  private lines: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  readonly path: string;

  constructor(stateDir: string) {
    this.path = join(stateDir, 'events', 'local.log');
  }

  add(events: readonly ThreatEvent[]): void {
    for (const event of events) this.lines.push(JSON.stringify(event));
    if (this.timer === null && this.lines.length > 0)
      this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
  }

  async flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.lines.length > 0) {
      const data = this.lines.join('\n') + '\n';
      this.lines = [];
      this.writing = this.writing
        .then(() => this.append(data))
        .catch((error: unknown) => {
          process.stderr.write(`events: could not write the local log: ${(error as Error).message}\n`);
        });
    }
    await this.writing;
  }

  private async append(data: string): Promise<void> {
    await mkdir(join(this.path, '..'), { recursive: true });
    const size = await stat(this.path).then(
      (info) => info.size,
      () => 0,
    );
    if (size + data.length > MAX_BYTES && size > 0) await rename(this.path, `${this.path}.1`);
    await appendFile(this.path, data);
  }
}
