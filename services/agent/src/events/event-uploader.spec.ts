import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS } from '../model/settings';
import { EventRecorder } from './event-recorder';
import { EventSpool } from './event-spool';
import { EventUploader, type EventChannel } from './event-uploader';
import { LocalEventLog } from './local-event-log';
import type { ThreatEvent } from './threat-event';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function event(id: number): ThreatEvent {
  return {
    id: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
    occurredAt: new Date(0).toISOString(),
    auditId: 'MDR-20261123-AAAAAAAA',
    source: 'MDR',
    module: 'dns',
    action: 'log',
    dryRun: false,
    moduleAction: 'LOG_ONLY',
    direction: 'outbound',
    field: 'domain',
    indicator: 'evil.example',
    indicatorType: 'domain',
    srcIp: '10.0.0.1',
    dstIp: '192.0.2.1',
  };
}

/** A channel that records what was sent, as the socket would carry it. */
class FakeChannel implements EventChannel {
  connected = false;
  sent: { batchId: string; ids: string[]; at: number }[] = [];
  sendEvents(batchId: string, events: readonly ThreatEvent[]): boolean {
    if (!this.connected) return false;
    this.sent.push({ batchId, ids: events.map((e) => e.id), at: Date.now() });
    return true;
  }
}

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'agent-upload-'));
  dirs.push(dir);
  const spool = await EventSpool.open(dir, { batchEvents: 2, flushMs: 10 });
  const channel = new FakeChannel();
  const uploader = new EventUploader(spool, channel, silent);
  return { dir, spool, channel, uploader };
}

describe('EventUploader', () => {
  it('sends spooled batches while connected and forgets each only on its ack', async () => {
    const { spool, channel, uploader } = await setup();
    spool.add([event(1), event(2), event(3)]);
    await spool.flush();
    await settle();
    expect(channel.sent).toEqual([]);
    channel.connected = true;
    uploader.connected();
    await settle();
    expect(channel.sent.map((batch) => batch.ids.length)).toEqual([2, 1]);
    uploader.acknowledged(channel.sent[0]!.batchId);
    await settle();
    expect(spool.size).toBe(1);
    // A reconnect sends what was in flight again, with the same batch id.
    uploader.disconnected();
    uploader.connected();
    await settle();
    expect(channel.sent.at(-1)!.batchId).toBe(channel.sent[1]!.batchId);
    uploader.acknowledged(channel.sent[1]!.batchId);
    await settle();
    expect(spool.size).toBe(0);
  });

  it('keeps a batch the service cannot take now and sends it again after a growing backoff', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-upload-'));
    dirs.push(dir);
    const spool = await EventSpool.open(dir, { batchEvents: 2, flushMs: 10 });
    const channel = new FakeChannel();
    const uploader = new EventUploader(spool, channel, silent, { baseMs: 100, capMs: 400 });
    channel.connected = true;
    uploader.connected();
    spool.add([event(1)]);
    await spool.flush();
    await settle();
    expect(channel.sent).toHaveLength(1);
    const batchId = channel.sent[0]!.batchId;
    // Timers never fire early, so the backoff shows as a lower bound on when anything is sent again, however
    // loaded the machine is (1 ms of slack for the clock's rounding).
    const refusedAt = Date.now();
    uploader.retryLater(batchId, 'storage unreachable');
    expect(uploader.inFlightCount).toBe(0);
    spool.add([event(2)]);
    await spool.flush();
    await until(() => channel.sent.slice(1).some((batch) => batch.batchId === batchId));
    // Nothing was sent during the backoff, not even the new batch.
    expect(Math.min(...channel.sent.slice(1).map((batch) => batch.at)) - refusedAt).toBeGreaterThanOrEqual(
      99,
    );
    expect(spool.size).toBe(2);
    // A second refusal in a row waits twice as long.
    const sentBefore = channel.sent.length;
    const refusedAgainAt = Date.now();
    uploader.retryLater(batchId, 'storage unreachable');
    await until(() => channel.sent.length > sentBefore);
    expect(channel.sent[sentBefore]!.at - refusedAgainAt).toBeGreaterThanOrEqual(199);
    for (const sent of new Set(channel.sent.map((batch) => batch.batchId))) uploader.acknowledged(sent);
    await settle();
    expect(spool.size).toBe(0);
    uploader.stop();
  });

  it('still resends when the backoff timer fires before the wall clock reaches the resume time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-upload-'));
    dirs.push(dir);
    const spool = await EventSpool.open(dir, { batchEvents: 2, flushMs: 10 });
    const channel = new FakeChannel();
    const uploader = new EventUploader(spool, channel, silent, { baseMs: 50, capMs: 50 });
    channel.connected = true;
    uploader.connected();
    spool.add([event(1)]);
    await spool.flush();
    await until(() => channel.sent.length === 1);
    uploader.retryLater(channel.sent[0]!.batchId, 'storage unreachable');
    // Then the wall clock falls 30 ms behind the timers: the backoff timer fires before Date.now() reaches the
    // resume time.
    const realNow = Date.now.bind(Date);
    const behind = vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 30);
    try {
      await until(() => channel.sent.length === 2, 2000);
    } finally {
      behind.mockRestore();
      uploader.stop();
    }
  });

  it('drops a batch the service refuses as invalid, and goes on with the others', async () => {
    const { spool, channel, uploader } = await setup();
    channel.connected = true;
    uploader.connected();
    spool.add([event(1), event(2), event(3)]);
    await spool.flush();
    await settle();
    expect(channel.sent).toHaveLength(2);
    uploader.invalid(channel.sent[0]!.batchId, 'events[0].occurredAt: invalid');
    await settle();
    expect(spool.size).toBe(1);
    uploader.acknowledged(channel.sent[1]!.batchId);
    await settle();
    expect(spool.size).toBe(0);
  });
});

describe('EventRecorder', () => {
  it('obeys local and central reporting', async () => {
    const { dir, spool } = await setup();
    const local = new LocalEventLog(dir);
    const recorder = new EventRecorder(local, spool);
    recorder.record([event(1)], { ...DEFAULT_SETTINGS, localReporting: true, centralReporting: false });
    recorder.record([event(2)], { ...DEFAULT_SETTINGS, localReporting: false, centralReporting: true });
    recorder.record([event(3)], { ...DEFAULT_SETTINGS, localReporting: false, centralReporting: false });
    await local.flush();
    await spool.flush();
    const logged = readFileSync(local.path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as ThreatEvent).id);
    expect(logged).toEqual([event(1).id]);
    const spooled = (await spool.oldest(10, new Set())).flatMap((batch) => batch.events.map((e) => e.id));
    expect(spooled).toEqual([event(2).id]);
  });
});
