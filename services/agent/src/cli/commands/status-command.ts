import { resolve } from 'node:path';
import { EventSpool } from '../../events/event-spool';
import { loadCredential } from '../../state/credential-store';
import { StateStore, type Manifest } from '../../state/state-store';
import { processAlive, readRuntimeStatus, type RuntimeStatus } from '../../runtime/runtime-status';
import { streamShape } from '../../model/stream-entry';
import { required, type Command } from '../command';

export const statusCommand: Command = {
  name: 'status',
  summary: 'show connection, cursors, checksums, counts, events and enforcement',
  help: `Usage: threatline-agent status --state-dir DIR [--json]

Shows the enrollment, whether the agent runs and its connection, each stream's cursor (epoch, seq) and
whether its checksum matches the service's, indicator counts by source and type, exclusions, settings,
events spooled and dropped, nftables and RPZ state, and the last error.

Options:
  --state-dir DIR  the agent's state directory
  --json           the same as one JSON object
  -h, --help       this text`,
  options: { 'state-dir': { type: 'string' }, json: { type: 'boolean' } },
  async run(values, io) {
    const stateDir = resolve(required('status', values, 'state-dir'));
    const credential = await loadCredential(stateDir);
    const head = await new StateStore(stateDir).loadHead();
    const runtime = await readRuntimeStatus(stateDir);
    const running = runtime !== null && runtime.connection.state !== 'stopped' && processAlive(runtime.pid);
    const spool = await EventSpool.summary(stateDir);
    const manifest = head.status === 'ok' ? head.manifest : null;
    const report = {
      firewallId: credential.firewallId,
      serial: credential.serial,
      server: credential.serverUrl,
      streamUrl: credential.streamUrl,
      agent: running ? { running: true, pid: runtime.pid, listen: runtime.listen } : { running: false },
      connection:
        runtime === null
          ? null
          : { ...runtime.connection, ...(running ? {} : { state: 'stopped' as const }) },
      state:
        head.status === 'ok'
          ? { status: 'ok', savedAt: manifest!.savedAt }
          : head.status === 'none'
            ? { status: 'none' }
            : { status: 'corrupt', reason: head.reason },
      streams: (manifest?.streams ?? []).map((stream) => ({
        stream: stream.id,
        epoch: stream.epoch,
        seq: stream.seq,
        checksum: stream.checksum,
        checksumMatch: !(running && runtime.resyncing.includes(stream.id)),
        counts: stream.counts,
      })),
      indicators: indicatorCounts(manifest),
      settings: manifest?.settings ?? null,
      events: { ...spool, inFlight: running ? runtime.events.inFlight : 0 },
      nftables: running ? runtime.nftables : null,
      rpz: running ? runtime.rpz : null,
      lastError: runtime?.connection.lastError ?? (head.status === 'corrupt' ? head.reason : null),
    };
    io.out(values.json ? JSON.stringify(report, null, 2) + '\n' : text(report, runtime));
    return 0;
  },
};

function indicatorCounts(manifest: Manifest | null): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const stream of manifest?.streams ?? []) {
    const shape = streamShape(stream.id);
    const group =
      shape?.kind === 'indicators' ? shape.source! : shape?.kind === 'exclusions' ? 'exclusions' : null;
    if (group === null) continue;
    const counts = (out[group] ??= {});
    for (const [type, count] of Object.entries(stream.counts)) counts[type] = (counts[type] ?? 0) + count;
  }
  return out;
}

type Report = {
  firewallId: string;
  serial: string;
  server: string;
  agent: { running: boolean; pid?: number; listen?: string };
  connection: RuntimeStatus['connection'] | null;
  state: { status: string; savedAt?: string; reason?: string };
  streams: { stream: string; epoch: number; seq: number; checksum: string; checksumMatch: boolean }[];
  indicators: Record<string, Record<string, number>>;
  settings: Manifest['settings'] | null;
  events: { spooled: number; dropped: number; inFlight: number };
  nftables: RuntimeStatus['nftables'] | null;
  rpz: RuntimeStatus['rpz'] | null;
  lastError: string | null;
};

function text(report: Report, runtime: RuntimeStatus | null): string {
  const lines: string[] = [];
  const counts = (c: Record<string, number> | undefined) =>
    c === undefined || Object.keys(c).length === 0
      ? 'none'
      : Object.entries(c)
          .map(([type, n]) => `${type} ${n}`)
          .join(', ');
  lines.push(`firewall     ${report.firewallId} (serial ${report.serial}) on ${report.server}`);
  lines.push(
    report.agent.running
      ? `agent        running, pid ${report.agent.pid}, decisions on http://${report.agent.listen}/v1/check`
      : `agent        not running${runtime ? ` (last seen ${runtime.updatedAt})` : ''}`,
  );
  const c = report.connection;
  lines.push(
    c === null
      ? 'connection   never connected'
      : `connection   ${c.state} since ${c.since}${c.stopReason ? `: ${c.stopReason}` : ''}`,
  );
  lines.push(
    `state        ${report.state.status}${report.state.savedAt ? `, saved ${report.state.savedAt}` : ''}${report.state.reason ? `: ${report.state.reason}` : ''}`,
  );
  lines.push('streams');
  for (const s of report.streams) {
    lines.push(
      `  ${s.stream.padEnd(44)} epoch ${s.epoch} seq ${s.seq} checksum ${s.checksum} ${s.checksumMatch ? 'matches the service' : 'MISMATCH, resyncing'}`,
    );
  }
  lines.push(`indicators   MDR: ${counts(report.indicators.MDR)}; X-Ops: ${counts(report.indicators.XOPS)}`);
  lines.push(`exclusions   ${counts(report.indicators.exclusions)}`);
  const s = report.settings;
  if (s !== null) {
    const module = (m: { enabled: boolean; action: string }) => (m.enabled ? m.action : 'off');
    lines.push(
      `settings     MDR ${module(s.mdr)}, X-Ops ${module(s.xops)}, local reporting ${s.localReporting ? 'on' : 'off'}, central reporting ${s.centralReporting ? 'on' : 'off'}`,
    );
  }
  lines.push(
    `events       ${report.events.spooled} spooled, ${report.events.dropped} dropped (spool bound), ${report.events.inFlight} in flight`,
  );
  if (report.nftables !== null) {
    lines.push(
      `nftables     ${report.nftables.state}${report.nftables.lastError ? `: ${report.nftables.lastError}` : ''}`,
    );
  }
  if (report.rpz !== null && report.rpz.path !== null) {
    const rc = report.rpz.counts;
    lines.push(
      `rpz          ${report.rpz.path}${rc ? ` (${rc.drop} drop, ${rc.log} log, ${rc.passthru} excluded)` : ''}`,
    );
  }
  lines.push(`last error   ${report.lastError ?? 'none'}`);
  return lines.join('\n') + '\n';
}
