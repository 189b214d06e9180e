// A child process holding many simulated agents for the stream benchmarks (forked by stream*.bench.ts, commanded
// over IPC). Two kinds:
//   client: the real AgentClient (libs/agent-client): validates every frame, applies it, verifies the checksum, acks;
//   light:  a bare socket that says hello and acks what it receives, for capacity runs where the agents' own cost
//           must stay out of the gateway machine's way.
import { AgentClient } from '@threatline/agent-client';
import { decodeSnapshotFrame, mdrTenantStreamId, type StreamId } from '@threatline/protocol';
import WebSocket from 'ws';
import type { BenchFirewall } from './stream-setup';

export type SwarmCommand =
  | { type: 'start'; mode: 'client' | 'light'; url: string; firewalls: BenchFirewall[]; parallel: number }
  | { type: 'waitFor'; seq: number }
  | { type: 'report' }
  | { type: 'stats' }
  | { type: 'stop' };

export type SwarmReply =
  | { type: 'started'; connected: number; failed: number; ms: number }
  | { type: 'reached'; seq: number }
  | { type: 'report'; applied: [seq: number, times: number[]][] }
  | { type: 'stats'; connected: number; frames: number; watchedSeqMin: number; heapUsed: number; rss: number }
  | { type: 'stopped' };

interface SimulatedAgent {
  /** The position reached on the watched stream. */
  watchedSeq(): number;
  connected(): boolean;
  stop(): Promise<void>;
}

const wallClock = (): number => performance.timeOrigin + performance.now();
let agents: SimulatedAgent[] = [];
let frames = 0;
/** seq of the watched stream -> when each agent applied it. */
const applied = new Map<number, number[]>();

function send(reply: SwarmReply): void {
  process.send?.(reply);
}

function clientAgent(
  url: string,
  firewall: BenchFirewall,
  watch: StreamId,
  ready: () => void,
): SimulatedAgent {
  const client = new AgentClient({
    url,
    credential: firewall.credential,
    backoff: { baseMs: 200, capMs: 5000 },
  });
  let snapshots = 0;
  client.on('snapshot', () => {
    if (++snapshots === 5) ready();
  });
  client.on('applied', (event) => {
    frames++;
    if (event.stream !== watch || event.kind !== 'deltas') return;
    const at = wallClock();
    for (let seq = event.seq - event.count + 1; seq <= event.seq; seq++) {
      let times = applied.get(seq);
      if (!times) applied.set(seq, (times = []));
      times.push(at);
    }
  });
  client.start();
  return {
    watchedSeq: () => client.state.stream(watch)?.seq ?? 0,
    connected: () => client.connected,
    stop: () => client.stop(),
  };
}

function lightAgent(
  url: string,
  firewall: BenchFirewall,
  watch: StreamId,
  ready: () => void,
): SimulatedAgent {
  let seq = 0;
  let snapshots = 0;
  const socket = new WebSocket(url, {
    perMessageDeflate: false,
    headers: { Authorization: `Bearer ${firewall.credential}` },
  });
  socket.on('open', () =>
    socket.send(JSON.stringify({ type: 'hello', v: 1, agent: { version: 'bench' }, streams: [] })),
  );
  socket.on('error', () => undefined);
  socket.on('message', (data: Buffer, isBinary) => {
    frames++;
    if (isBinary) {
      const frame = decodeSnapshotFrame(data);
      if (!frame.ok) return;
      const { stream, epoch, seq: at } = frame.header;
      if (stream === watch) seq = at;
      socket.send(JSON.stringify({ type: 'ack', v: 1, stream, epoch, seq: at }));
      if (++snapshots === 5) ready();
      return;
    }
    const message = JSON.parse(data.toString()) as {
      type: string;
      stream: string;
      epoch: number;
      toSeq: number;
    };
    if (message.type !== 'deltas') return;
    if (message.stream === watch) seq = message.toSeq;
    socket.send(
      JSON.stringify({ type: 'ack', v: 1, stream: message.stream, epoch: message.epoch, seq: message.toSeq }),
    );
  });
  return {
    watchedSeq: () => seq,
    connected: () => socket.readyState === WebSocket.OPEN,
    stop: () =>
      new Promise((done) => {
        if (socket.readyState === WebSocket.CLOSED) return done();
        socket.once('close', () => done());
        socket.terminate();
      }),
  };
}

async function start(command: Extract<SwarmCommand, { type: 'start' }>): Promise<void> {
  const began = Date.now();
  const make = command.mode === 'client' ? clientAgent : lightAgent;
  let next = 0;
  let failed = 0;
  // `parallel` agents connecting at a time: a ramp, as agents of a real fleet never all connect in one instant.
  async function lane(): Promise<void> {
    while (next < command.firewalls.length) {
      const firewall = command.firewalls[next++]!;
      await new Promise<void>((ready) => {
        const timer = setTimeout(() => {
          failed++;
          ready();
        }, 60_000);
        agents.push(
          // Each agent watches its tenant's MDR stream, where the benchmarks push.
          make(command.url, firewall, mdrTenantStreamId(firewall.tenantId), () => {
            clearTimeout(timer);
            ready();
          }),
        );
      });
    }
  }
  await Promise.all(Array.from({ length: command.parallel }, () => lane()));
  send({
    type: 'started',
    connected: agents.filter((agent) => agent.connected()).length,
    failed,
    ms: Date.now() - began,
  });
}

async function waitFor(seq: number): Promise<void> {
  while (agents.some((agent) => agent.watchedSeq() < seq)) await new Promise((done) => setTimeout(done, 2));
  send({ type: 'reached', seq });
}

function minWatched(): number {
  return agents.reduce((min, agent) => Math.min(min, agent.watchedSeq()), Number.MAX_SAFE_INTEGER);
}

// The bench process is gone (interrupted): so are its agents.
process.on('disconnect', () => process.exit(0));

process.on('message', (command: SwarmCommand) => {
  switch (command.type) {
    case 'start':
      void start(command);
      return;
    case 'waitFor':
      void waitFor(command.seq);
      return;
    case 'report':
      send({ type: 'report', applied: [...applied.entries()] });
      return;
    case 'stats': {
      const memory = process.memoryUsage();
      send({
        type: 'stats',
        connected: agents.filter((agent) => agent.connected()).length,
        frames,
        watchedSeqMin: agents.length === 0 ? 0 : minWatched(),
        heapUsed: memory.heapUsed,
        rss: memory.rss,
      });
      return;
    }
    case 'stop':
      void Promise.all(agents.map((agent) => agent.stop())).then(() => {
        agents = [];
        send({ type: 'stopped' });
        process.exit(0);
      });
      return;
  }
});
