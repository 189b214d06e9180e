import { spawn } from 'node:child_process';

/** Runs `nft -f -` with a script on stdin; `command` may prefix it (`ip netns exec NS nft`). */
export type NftRunner = (script: string) => Promise<void>;

export class NftError extends Error {
  override readonly name = 'NftError';
  constructor(
    message: string,
    /** nft (or its prefix) is not installed. */
    readonly missing: boolean,
  ) {
    super(message);
  }
}

export function nftRunner(command: readonly string[] = ['nft']): NftRunner {
  return (script) =>
    new Promise((resolve, reject) => {
      const [program, ...args] = command;
      const child = spawn(program!, [...args, '-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 4096) stderr += chunk.toString();
      });
      child.on('error', (error: NodeJS.ErrnoException) =>
        reject(new NftError(`${program!}: ${error.message}`, error.code === 'ENOENT')),
      );
      child.on('close', (code) => {
        if (code === 0) resolve();
        else reject(new NftError(`${command.join(' ')} -f - exited with ${code}: ${stderr.trim()}`, false));
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(script);
    });
}
