// Fresh agents in their own process (forked by stream-snapshot.bench.ts), one after the other: each a new firewall's
// first connection, timed from the client's start to its verified state of one stream, with only agents in the
// process's heap (collected between agents, never during one). Then the same work split in its steps.
// argv: <url> <stream> <entries expected> <credential>... Prints one JSON line: { agents: [{ ms, bytes }], steps }.
import { AgentClient, decodeSnapshot, StreamState } from '@threatline/agent-client';
import { firstSnapshotFrame } from './stream-snapshot-frame';

const [url, stream, expected, ...credentials] = process.argv.slice(2) as [
  string,
  string,
  string,
  ...string[],
];
const wallClock = (): number => performance.timeOrigin + performance.now();
const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();

/** The real client: start to the `snapshot` event of the stream (upgrade, hello, frame, gunzip, validation, apply). */
async function viaClient(credential: string): Promise<{ ms: number; bytes: number }> {
  const client = new AgentClient({ url, credential });
  const started = wallClock();
  const done = new Promise<{ ms: number; bytes: number }>((resolve, reject) => {
    client.on('snapshot', (event) => {
      if (event.stream !== stream) return;
      if (event.count !== Number(expected)) reject(new Error(`snapshot of ${event.count} entries`));
      resolve({ ms: wallClock() - started, bytes: client.stats.bytesReceived });
    });
    client.on('mismatch', () => reject(new Error('checksum mismatch')));
  });
  client.start();
  try {
    return await done;
  } finally {
    await client.stop();
  }
}

/** The same work in its steps, on a raw socket: when the frame is in, then decoding, then applying. */
async function steps(credential: string): Promise<{ receivedMs: number; decodeMs: number; applyMs: number }> {
  const started = wallClock();
  const frame = await firstSnapshotFrame(url, credential, stream);
  const received = wallClock();
  const decoded = await decodeSnapshot(frame);
  const t1 = wallClock();
  if (!decoded.ok) throw new Error(decoded.error.message);
  new StreamState(stream).applySnapshot(decoded.message);
  return { receivedMs: received - started, decodeMs: t1 - received, applyMs: wallClock() - t1 };
}

async function main(): Promise<void> {
  const agents: { ms: number; bytes: number }[] = [];
  const last = credentials.pop()!;
  for (const credential of credentials) {
    collectGarbage();
    agents.push(await viaClient(credential));
  }
  collectGarbage();
  process.stdout.write(`${JSON.stringify({ agents, steps: await steps(last) })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
