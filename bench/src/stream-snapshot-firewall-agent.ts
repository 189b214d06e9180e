// The real firewall agent's end of stream.snapshot_100k, forked by stream-snapshot.bench.ts: services/agent's
// StreamConnection and AgentState (the agent's own frame handling, checks, stream state and compiled matcher), with
// its StateStore in a temporary directory as `threatline-agent run` has it. Fresh agents, one after the other, each
// a firewall's first connection with nothing held, timed from the connection's start (upgrade, hello, the frames,
// gunzip, validation, checksum, stream state, matcher build) to the moment the agent's decision on a probe
// indicator of the stream is a drop: the new matcher has swapped in. The save and ack that follow are not timed.
// Then the same work split in its steps. Only agents in the process's heap (collected between agents, never during
// one).
// Mode `cold`: one agent only, the process's first, as a firewall just enrolled starts its agent: its code has never
// run (no JIT warm-up), its heap is as the start left it (no collection first), and no steps follow. Its `sinceStartMs`
// is from the process's start to the drop (module loading included).
// argv: <url> <stream> <entries expected> <probe domain> <warm|cold> <credential>...
// Prints one JSON line: { agents: [{ ms, frameInMs, bytes, sinceStartMs }], steps?: { receivedMs, decodeMs, applyMs } }.
import { AgentState, StateStore, StreamConnection } from '@threatline/agent';
import { decodeSnapshot } from '@threatline/agent-client';
import { snapshotColumnsOf } from '@threatline/protocol';
import { subscribe } from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstSnapshotFrame } from './stream-snapshot-frame';

const [url, stream, expected, probe, mode, ...credentials] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  'warm' | 'cold',
  ...string[],
];
const wallClock = (): number => performance.timeOrigin + performance.now();
const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const probeTraffic = { direction: 'outbound' as const, srcIp: '10.0.0.1', dstIp: '192.0.2.1', domain: probe };

/** The connection's own TCP sockets (StreamConnection keeps its socket to itself): bytes on the wire, framing and
 *  upgrade included. */
const clientSockets: Socket[] = [];
/** When each chunk came in, with the bytes read until then: the snapshot frame is the bulk of them. */
const arrivals: { at: number; bytes: number }[] = [];
subscribe('net.client.socket', (message) => {
  const socket = (message as { socket: Socket }).socket;
  clientSockets.push(socket);
  socket.on('data', () => arrivals.push({ at: wallClock(), bytes: socket.bytesRead }));
});

/** Whether the agent's decision on the probe is the stream's drop. */
function dropsProbe(state: AgentState): boolean {
  const decision = state.matcher.check(probeTraffic, state.settings);
  return decision.action === 'drop' && decision.matches.some((match) => match.indicator === probe);
}

interface Timed {
  ms: number;
  /** When half the bytes were in, i.e. within the snapshot frame: the gateway's share of `ms`. */
  frameInMs: number;
  bytes: number;
  /** From the process's start (performance.timeOrigin) to the drop. */
  sinceStartMs: number;
}

async function viaAgent(credential: string): Promise<Timed> {
  const stateDir = await mkdtemp(join(tmpdir(), 'bench-snapshot-agent-'));
  const state = AgentState.empty();
  const store = new StateStore(stateDir);
  let failure: string | null = null;
  let applied: (ms: number) => void;
  const done = new Promise<number>((resolve) => (applied = resolve));
  const connection = new StreamConnection({
    url,
    credential,
    agentVersion: 'bench',
    state,
    persist: () => store.save(state).then(() => undefined),
    onChanges: () => {
      if (!dropsProbe(state)) return;
      const at = wallClock();
      const held = state.stream(stream)!.entries.size;
      if (held !== Number(expected)) failure = `the agent holds ${held} entries`;
      applied(at);
    },
    log: { ...quiet, error: (message) => (failure ??= message) },
  });
  clientSockets.length = 0;
  arrivals.length = 0;
  const started = wallClock();
  connection.start();
  const timeout = setTimeout(() => applied(Number.NaN), 60_000);
  const at = await done;
  clearTimeout(timeout);
  await connection.stop();
  const bytes = clientSockets.reduce((sum, socket) => sum + socket.bytesRead, 0);
  const frameIn = arrivals.find((arrival) => arrival.bytes * 2 >= bytes)?.at ?? Number.NaN;
  await rm(stateDir, { recursive: true, force: true });
  if (failure !== null || Number.isNaN(at))
    throw new Error(`agent: ${failure ?? 'no drop on the probe in 60 s'}`);
  return { ms: at - started, frameInMs: frameIn - started, bytes, sinceStartMs: at - performance.timeOrigin };
}

/** The same work in its steps: when the frame is in (raw socket), then the agent-client decoder the connection
 *  uses, then AgentState's apply of the decoded frame (with the decoder's columns, as the connection applies it). */
async function steps(credential: string): Promise<{ receivedMs: number; decodeMs: number; applyMs: number }> {
  const started = wallClock();
  const frame = await firstSnapshotFrame(url, credential, stream);
  const received = wallClock();
  const decoded = await decodeSnapshot(frame);
  const t1 = wallClock();
  if (!decoded.ok) throw new Error(decoded.error.message);
  const state = AgentState.empty();
  state.holdStreams([stream]);
  const outcome = await state.applyDecodedSnapshot(decoded.message, snapshotColumnsOf(decoded.message));
  const t2 = wallClock();
  if (outcome.status !== 'applied' || !dropsProbe(state))
    throw new Error(`steps: ${JSON.stringify(outcome)}`);
  return { receivedMs: received - started, decodeMs: t1 - received, applyMs: t2 - t1 };
}

async function main(): Promise<void> {
  if (mode === 'cold') {
    if (credentials.length !== 1) throw new Error('cold: one agent per process');
    process.stdout.write(`${JSON.stringify({ agents: [await viaAgent(credentials[0]!)] })}\n`);
    return;
  }
  const agents: Timed[] = [];
  const last = credentials.pop()!;
  for (const credential of credentials) {
    collectGarbage();
    agents.push(await viaAgent(credential));
  }
  collectGarbage();
  process.stdout.write(`${JSON.stringify({ agents, steps: await steps(last) })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
