// The parent's handle on stream-swarm child processes: fork, command, await the matching reply.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { SwarmCommand, SwarmReply } from './stream-swarm';

type ReplyOf<T extends SwarmReply['type']> = Extract<SwarmReply, { type: T }>;

export class Swarm {
  private constructor(private readonly child: ChildProcess) {}

  /** A new child process; `maxOldSpaceMb` for swarms of many real clients. */
  static fork(maxOldSpaceMb = 2048): Swarm {
    const child = fork(join(__dirname, 'stream-swarm.js'), [], {
      execArgv: [`--max-old-space-size=${maxOldSpaceMb}`],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Swarm(child);
  }

  request<T extends SwarmReply['type']>(
    command: SwarmCommand,
    reply: T,
    timeoutMs = 300_000,
  ): Promise<ReplyOf<T>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.off('message', onMessage);
        reject(new Error(`swarm did not answer ${command.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (message: SwarmReply): void => {
        if (message.type !== reply) return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve(message as ReplyOf<T>);
      };
      this.child.on('message', onMessage);
      this.child.send(command);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((done) => this.child.once('exit', done));
    await this.request({ type: 'stop' }, 'stopped', 60_000).catch(() => this.child.kill('SIGKILL'));
    await exited;
  }
}

/** Splits `items` into `parts` nearly equal slices. */
export function split<T>(items: readonly T[], parts: number): T[][] {
  const size = Math.ceil(items.length / parts);
  return Array.from({ length: parts }, (_, i) => items.slice(i * size, (i + 1) * size)).filter(
    (part) => part.length > 0,
  );
}
