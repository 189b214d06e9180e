// `npm run bench -- agent`: the firewall agent's decision API and its cold start, on a saved state of 1M
// indicators (AGENT_BENCH_INDICATORS overrides). The agent runs as its own process, as on a firewall.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mixedTraffic, writeAgentState } from './agent-data';
import { recordResults, type BenchEntry } from './results';

const INDICATORS = Number(process.env.AGENT_BENCH_INDICATORS ?? 1_000_000);
const agentBin = resolve(__dirname, '../../services/agent/bin/threatline-agent');
const BASE_PORT = 18_700 + (process.pid % 500);

function post(agent: Agent, port: number, body: string, type: string): Promise<string> {
  return new Promise((done, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/check',
        method: 'POST',
        agent,
        headers: { 'content-type': type },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done(text));
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

function startAgent(stateDir: string, port: number): ChildProcess {
  return spawn(
    process.execPath,
    [agentBin, 'run', '--state-dir', stateDir, '--listen', `127.0.0.1:${port}`, '--no-nftables', '--no-rpz'],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
}

async function stopAgent(child: ChildProcess): Promise<void> {
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

/** Wall time from spawning the agent to its first correct decision (a drop of a saved IoC). */
async function coldStart(
  stateDir: string,
  port: number,
  probe: string,
): Promise<{ ms: number; child: ChildProcess }> {
  const agent = new Agent({ keepAlive: false });
  const started = performance.now();
  const child = startAgent(stateDir, port);
  for (;;) {
    try {
      const answer = await post(agent, port, probe, 'application/json');
      if (answer.includes('"action":"drop"')) return { ms: performance.now() - started, child };
      throw new Error(`unexpected first decision: ${answer}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw error;
      await new Promise((done) => setTimeout(done, 2));
    }
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'agent-bench-'));
  try {
    let at = Date.now();
    const data = await writeAgentState(stateDir, INDICATORS - 1000);
    console.log(
      `  (state of ${data.indicators} indicators written in ${((Date.now() - at) / 1000).toFixed(1)} s)`,
    );
    const probe = JSON.stringify({
      direction: 'outbound',
      srcIp: '10.0.0.1',
      dstIp: '192.0.2.1',
      domain: data.hitDomains[0],
    });
    const entries: BenchEntry[] = [];

    at = Date.now();
    const starts: number[] = [];
    for (let i = 0; i < 7; i++) {
      const { ms, child } = await coldStart(stateDir, BASE_PORT + i, probe);
      starts.push(ms);
      await stopAgent(child);
    }
    starts.sort((a, b) => a - b);
    entries.push({
      name: 'agent.cold_start_1m',
      unit: 'ms',
      value: Math.round(percentile(starts, 50)),
      p50: Math.round(percentile(starts, 50)),
      p95: Math.round(percentile(starts, 95)),
      target: '<= 300 ms',
      note: `process spawn to the first decision (a drop) from a saved state of ${data.indicators} indicators; 7 starts`,
    });
    console.log(`  (cold start: ${((Date.now() - at) / 1000).toFixed(1)} s)`);

    const port = BASE_PORT + 10;
    const { child } = await coldStart(stateDir, port, probe);
    // Let the agent finish loading its stream entries (it decides meanwhile, but this measures the steady state).
    const loadStart = Date.now();
    for (;;) {
      const status = await fetch(`http://127.0.0.1:${port}/v1/status`).then(
        (r) => r.json() as Promise<{ stateLoaded: boolean }>,
      );
      if (status.stateLoaded) break;
      await new Promise((done) => setTimeout(done, 100));
    }
    console.log(
      `  (stream entries loaded ${((Date.now() - loadStart) / 1000).toFixed(1)} s after the first decision)`,
    );
    await new Promise((done) => setTimeout(done, 2000));
    const lines = mixedTraffic(data, 50_000);
    const body = lines.join('\n') + '\n';
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 4 });
    const sample = (await post(keepAlive, port, body, 'application/x-ndjson')).trimEnd().split('\n');
    const drops = sample.filter((line) => line.includes('"action":"drop"')).length;
    if (sample.length !== lines.length || sample.some((line) => line.includes('"error"'))) {
      throw new Error(`the batch answered ${sample.length} lines for ${lines.length}`);
    }
    const batchSeconds = 8;
    let decisions = 0;
    const batchStart = performance.now();
    const worker = async () => {
      while (performance.now() - batchStart < batchSeconds * 1000) {
        const answer = await post(keepAlive, port, body, 'application/x-ndjson');
        let count = 0;
        for (let i = answer.indexOf('\n'); i >= 0; i = answer.indexOf('\n', i + 1)) count++;
        decisions += count;
      }
    };
    await Promise.all([worker(), worker()]);
    const batchRate = decisions / ((performance.now() - batchStart) / 1000);
    entries.push({
      name: 'agent.check_batch',
      unit: 'decisions/s',
      value: Math.round(batchRate),
      target: '>= 200,000/s',
      note: `NDJSON batches of 50,000 over 2 keep-alive connections, ${data.indicators} indicators, mixed traffic (40% IP, 30% DNS, 30% web), ${((100 * drops) / lines.length).toFixed(1)}% drops (each an event, spooled and logged)`,
    });

    const single = new Agent({ keepAlive: true, maxSockets: 1 });
    const bodies = lines.slice(0, 1000).map((line) => line);
    const latencies: number[] = [];
    const singleStart = performance.now();
    for (let i = 0; performance.now() - singleStart < 5000; i++) {
      const t = performance.now();
      await post(single, port, bodies[i % bodies.length]!, 'application/json');
      latencies.push(performance.now() - t);
    }
    const singleRate = latencies.length / ((performance.now() - singleStart) / 1000);
    latencies.sort((a, b) => a - b);
    entries.push({
      name: 'agent.check_single',
      unit: 'requests/s',
      value: Math.round(singleRate),
      p50: Number(percentile(latencies, 50).toFixed(3)),
      p95: Number(percentile(latencies, 95).toFixed(3)),
      p99: Number(percentile(latencies, 99).toFixed(3)),
      note: 'POST /v1/check one request at a time on one keep-alive connection (latencies in ms), same traffic',
    });
    single.destroy();
    keepAlive.destroy();
    await stopAgent(child);
    recordResults(entries);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
