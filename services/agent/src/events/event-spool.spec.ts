import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventSpool } from './event-spool';
import type { ThreatEvent } from './threat-event';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-spool-'));
  dirs.push(dir);
  return dir;
}

let next = 0;
function makeEvent(overrides: Partial<ThreatEvent> = {}): ThreatEvent {
  next++;
  return {
    id: `00000000-0000-4000-8000-${String(next).padStart(12, '0')}`,
    occurredAt: new Date(0).toISOString(),
    auditId: 'MDR-20261123-AAAAAAAA',
    source: 'MDR',
    module: 'firewall',
    action: 'drop',
    dryRun: false,
    moduleAction: 'LOG_AND_DROP',
    direction: 'outbound',
    field: 'dstIp',
    indicator: '203.0.113.9',
    indicatorType: 'ipv4',
    srcIp: '10.0.0.1',
    dstIp: '203.0.113.9',
    ...overrides,
  };
}

describe('EventSpool', () => {
  it('writes events as batches and forgets a batch only when it is acknowledged', async () => {
    const dir = tempDir();
    const spool = await EventSpool.open(dir, { batchEvents: 3 });
    const events = Array.from({ length: 7 }, () => makeEvent());
    spool.add(events);
    await spool.flush();
    expect(spool.size).toBe(7);
    const batches = await spool.oldest(10, new Set());
    expect(batches.map((batch) => batch.events.length)).toEqual([3, 3, 1]);
    expect(batches.flatMap((batch) => batch.events)).toEqual(events);
    const inFlight = new Set([batches[0]!.batchId]);
    expect((await spool.oldest(1, inFlight))[0]!.batchId).toBe(batches[1]!.batchId);
    await spool.acknowledge(batches[0]!.batchId);
    await spool.acknowledge('not-a-batch');
    expect(spool.size).toBe(4);
  });

  it('keeps unacknowledged batches across a restart, with the same batch ids', async () => {
    const dir = tempDir();
    const first = await EventSpool.open(dir);
    first.add([makeEvent(), makeEvent()]);
    await first.close();
    const before = await first.oldest(10, new Set());
    writeFileSync(join(dir, 'events', 'spool', '000000000099-x.ndjson.tmp-abc'), 'torn');
    const second = await EventSpool.open(dir);
    expect(second.size).toBe(2);
    expect(await second.oldest(10, new Set())).toEqual(before);
    expect(readdirSync(join(dir, 'events', 'spool')).some((name) => name.includes('.tmp-'))).toBe(false);
    second.add([makeEvent()]);
    await second.flush();
    const order = (await second.oldest(10, new Set())).map((batch) => batch.batchId);
    expect(order.slice(0, 1)).toEqual([before[0]!.batchId]);
  });

  it('drops the oldest batches past its bound and counts what it dropped, across restarts', async () => {
    const dir = tempDir();
    const spool = await EventSpool.open(dir, { maxBytes: 4000, batchEvents: 5 });
    const events = Array.from({ length: 40 }, (_, i) => makeEvent({ indicator: `203.0.113.${i}` }));
    for (const event of events) {
      spool.add([event]);
      await spool.flush();
    }
    expect(spool.dropped).toBeGreaterThan(0);
    expect(spool.size + spool.dropped).toBe(40);
    const kept = (await spool.oldest(100, new Set())).flatMap((batch) => batch.events);
    expect(kept).toEqual(events.slice(spool.dropped));
    const reopened = await EventSpool.open(dir, { maxBytes: 4000 });
    expect(reopened.dropped).toBe(spool.dropped);
  });

  it('flushes on its own after the flush interval', async () => {
    const dir = tempDir();
    const spool = await EventSpool.open(dir, { flushMs: 20 });
    let written = 0;
    spool.onBatch(() => written++);
    spool.add([makeEvent()]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(written).toBe(1);
    expect((await spool.oldest(10, new Set())).length).toBe(1);
  });
});
