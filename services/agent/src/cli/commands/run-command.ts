import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { AgentError } from '../../agent-error';
import { stderrLog } from '../../log';
import { AgentRuntime } from '../../runtime/agent-runtime';
import { required, type Command } from '../command';

export const DEFAULT_LISTEN = '127.0.0.1:8787';

export const runCommand: Command = {
  name: 'run',
  summary: 'keep the stream, enforce, and serve the local decision API',
  help: `Usage: threatline-agent run --state-dir DIR [--listen 127.0.0.1:PORT] [options]

Runs the agent: keeps one WebSocket to the service, applies its IoC, exclusion and settings deltas
to the compiled matcher, saves the state atomically under DIR (a restart resumes from its cursors),
enforces with nftables and an RPZ zone, serves decisions on a loopback address, and sends events.

Decision API (loopback only):
  POST /v1/check  {"direction":"outbound"|"inbound"|"system","srcIp","dstIp","domain"?,"url"?,
                   "endpoint"?:{"host","user","process"},"module"?:"firewall"|"dns"|"ips"|"web"}
                  -> {"action":"allow"|"log"|"drop","matches":[...],"excludedBy"?}
  POST /v1/check  with Content-Type: application/x-ndjson: one request per line, one answer per line
  GET  /v1/status

Options:
  --state-dir DIR       the enrolled state directory
  --listen HOST:PORT    loopback address of the decision API (default ${DEFAULT_LISTEN}; port 0 picks one)
  --no-nftables         no kernel enforcement (otherwise: table ip threatline, if nft is usable)
  --nft-command CMD     how to run nft (default "nft"; e.g. "ip netns exec fw nft")
  --rpz-file PATH       the RPZ zone file for Unbound/BIND (default DIR/threatline.rpz)
  --no-rpz              no RPZ zone file
  --spool-max-mb N      bound on events spooled while offline (default 64; oldest dropped first)
  -h, --help            this text

Stops on SIGINT/SIGTERM (exit 0) or when the service refuses the credential (exit 6).`,
  options: {
    'state-dir': { type: 'string' },
    listen: { type: 'string' },
    'no-nftables': { type: 'boolean' },
    'nft-command': { type: 'string' },
    'rpz-file': { type: 'string' },
    'no-rpz': { type: 'boolean' },
    'spool-max-mb': { type: 'string' },
  },
  async run(values, io) {
    const stateDir = resolve(required('run', values, 'state-dir'));
    const { host, port } = parseListen((values.listen as string | undefined) ?? DEFAULT_LISTEN);
    const spoolMaxMb = values['spool-max-mb'] === undefined ? 64 : Number(values['spool-max-mb']);
    if (!Number.isFinite(spoolMaxMb) || spoolMaxMb <= 0) {
      throw new AgentError('USAGE', 'run: --spool-max-mb must be a positive number');
    }
    const nftCommand = values['no-nftables']
      ? null
      : ((values['nft-command'] as string | undefined) ?? 'nft').split(/\s+/).filter(Boolean);
    const rpzFile = values['no-rpz']
      ? null
      : resolve((values['rpz-file'] as string | undefined) ?? join(stateDir, 'threatline.rpz'));
    const log = stderrLog();
    const runtime = await AgentRuntime.start({
      stateDir,
      listenHost: host,
      listenPort: port,
      nftCommand,
      rpzFile,
      spool: { maxBytes: spoolMaxMb * 1024 * 1024 },
      log,
    });
    io.out(`threatline-agent ${process.pid} serving decisions on http://${runtime.listening}/v1/check\n`);
    const onSignal = (signal: NodeJS.Signals) => {
      log.info(`${signal}: stopping`);
      void runtime.stop();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const { revoked } = await runtime.done;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (revoked !== null) {
      io.err(`threatline-agent: stopped: ${revoked}\n`);
      return new AgentError('CREDENTIAL_REVOKED', revoked).exitStatus;
    }
    return 0;
  },
};

/** `HOST:PORT` on a loopback address: the decision API is for this machine only. */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isInteger(port) || port > 65535) {
    throw new AgentError('USAGE', `run: --listen ${text} is not HOST:PORT (like ${DEFAULT_LISTEN})`);
  }
  const loopback = host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
  if (!loopback) {
    throw new AgentError(
      'USAGE',
      `run: --listen ${text}: the decision API listens on a loopback address only (127.x.x.x, ::1, localhost)`,
    );
  }
  return { host, port };
}
