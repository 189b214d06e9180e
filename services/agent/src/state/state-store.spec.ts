import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentState } from '../model/agent-state';
import { deltas, excl, ioc, makeStreamIds, settings, snapshot } from '../model/streams.test-support';
import { commitFiles } from './atomic-file';
import { StateStore } from './state-store';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-state-'));
  dirs.push(dir);
  return dir;
}

async function filledState() {
  const ids = makeStreamIds();
  const state = AgentState.empty();
  state.holdStreams(Object.values(ids));
  const tenant = [ioc('ipv4', '203.0.113.9'), ioc('domain', 'evil.example')];
  await state.applySnapshot(snapshot(ids.tenant, tenant, 7));
  await state.applySnapshot(snapshot(ids.xops, [ioc('url', 'bad.example/dl/', 'XOPS-20261123-AAAAAAAA')], 3));
  await state.applySnapshot(snapshot(ids.exclusions, [excl({ type: 'IP', value: '203.0.113.10' })], 2));
  await state.applySnapshot(snapshot(ids.settings, [settings({ localReporting: false })], 1));
  return { state, ids, tenant };
}

/** Flips one byte in the middle of a file. */
function damage(path: string): void {
  const bytes = readFileSync(path);
  const middle = bytes.length >> 1;
  bytes[middle] = bytes[middle]! ^ 0x55;
  writeFileSync(path, bytes);
}

function stateFile(dir: string, prefix: string): string {
  const name = readdirSync(join(dir, 'state')).find((file) => file.startsWith(prefix));
  if (name === undefined) throw new Error(`no ${prefix} file`);
  return join(dir, 'state', name);
}

describe('StateStore', () => {
  it('loads what it saved: cursors, entries, checksums, settings and the matcher', async () => {
    const dir = tempDir();
    const { state, ids } = await filledState();
    await new StateStore(dir).save(state);
    const loaded = await new StateStore(dir).load();
    expect(loaded.status).toBe('ok');
    if (loaded.status !== 'ok') return;
    expect(loaded.state.streams.map((s) => [s.id, s.epoch, s.seq, s.checksum])).toEqual(
      state.streams.map((s) => [s.id, s.epoch, s.seq, s.checksum]),
    );
    expect(loaded.state.settings.localReporting).toBe(false);
    expect(loaded.manifest.streams.find((s) => s.id === ids.tenant)?.counts).toEqual({ ipv4: 1, domain: 1 });
    expect(loaded.state.matcher.checksums()).toEqual(state.matcher.checksums());
    const traffic = { direction: 'outbound' as const, srcIp: '10.0.0.1', dstIp: '203.0.113.9' };
    expect(loaded.state.matcher.check(traffic, loaded.state.settings).action).toBe('drop');
  });

  it('answers none for an empty directory', async () => {
    expect(await new StateStore(tempDir()).load()).toEqual({ status: 'none' });
  });

  it('keeps the old state when a crash comes between writing the new files and renaming them', async () => {
    const dir = tempDir();
    const { state, ids, tenant } = await filledState();
    await new StateStore(dir).save(state);
    const store = new StateStore(dir);
    await store.load();
    state.applyDeltas(deltas(ids.tenant, tenant, 8, [{ op: 'upsert', entry: ioc('ipv4', '198.51.100.1') }]));
    await store.stage(state); // written and fsynced under temporary names; the "crash" comes before the renames
    const afterCrash = await new StateStore(dir).load();
    expect(afterCrash.status).toBe('ok');
    if (afterCrash.status !== 'ok') return;
    expect(afterCrash.state.stream(ids.tenant)!.seq).toBe(7);
    // The restarted agent saves again; the leftovers of the crash are gone.
    afterCrash.state.applyDeltas(
      deltas(ids.tenant, tenant, 8, [{ op: 'upsert', entry: ioc('ipv4', '198.51.100.1') }]),
    );
    const restarted = new StateStore(dir);
    await restarted.loadHead();
    await restarted.save(afterCrash.state);
    expect(readdirSync(join(dir, 'state')).filter((name) => name.includes('.tmp-'))).toEqual([]);
    const final = await new StateStore(dir).load();
    expect(final.status === 'ok' && final.state.stream(ids.tenant)!.seq).toBe(8);
  });

  it('keeps the old state when the crash comes after the data files but before the manifest', async () => {
    const dir = tempDir();
    const { state, ids, tenant } = await filledState();
    const store = new StateStore(dir);
    await store.save(state);
    state.applyDeltas(deltas(ids.tenant, tenant, 8, [{ op: 'remove', key: tenant[0]!.key }]));
    const staged = await store.stage(state);
    await commitFiles(staged.files);
    const loaded = await new StateStore(dir).load();
    expect(loaded.status === 'ok' && loaded.state.stream(ids.tenant)!.seq).toBe(7);
  });

  it('rewrites only the streams that changed', async () => {
    const dir = tempDir();
    const { state, ids, tenant } = await filledState();
    const store = new StateStore(dir);
    const first = await store.save(state);
    state.applyDeltas(deltas(ids.tenant, tenant, 8, [{ op: 'remove', key: tenant[0]!.key }]));
    const second = await store.save(state);
    const file = (manifest: typeof first, id: string) => manifest.streams.find((s) => s.id === id)!.file;
    expect(file(second, ids.xops)).toBe(file(first, ids.xops));
    expect(file(second, ids.tenant)).not.toBe(file(first, ids.tenant));
    expect(readdirSync(join(dir, 'state')).sort()).toEqual(
      ['manifest.json', second.matcher.file, ...second.streams.map((s) => s.file)].sort(),
    );
  });

  it.each([
    ['the manifest', 'manifest.json'],
    ['the matcher', 'matcher.'],
    ['a stream file', 'stream-xops'],
  ])('finds %s damaged and trusts nothing', async (_what, prefix) => {
    const dir = tempDir();
    await new StateStore(dir).save((await filledState()).state);
    damage(stateFile(dir, prefix));
    const loaded = await new StateStore(dir).load();
    expect(loaded.status).toBe('corrupt');
  });

  it('finds a truncated or missing file', async () => {
    const dir = tempDir();
    await new StateStore(dir).save((await filledState()).state);
    const matcher = stateFile(dir, 'matcher.');
    writeFileSync(matcher, readFileSync(matcher).subarray(0, 100));
    expect((await new StateStore(dir).load()).status).toBe('corrupt');
    rmSync(matcher);
    const loaded = await new StateStore(dir).load();
    expect(loaded).toMatchObject({ status: 'corrupt', reason: expect.stringContaining('cannot be read') });
  });

  it('finds a stream file whose entries do not sum to the recorded checksum', async () => {
    const dir = tempDir();
    await new StateStore(dir).save((await filledState()).state);
    const manifestPath = join(dir, 'state', 'manifest.json');
    const [, body] = readFileSync(manifestPath, 'utf8').split('\n');
    const manifest = JSON.parse(body!);
    manifest.streams[0].checksum = '0000000000000001';
    const text = JSON.stringify(manifest);
    writeFileSync(manifestPath, `${crc32(text).toString(16).padStart(8, '0')}\n${text}\n`);
    const loaded = await new StateStore(dir).load();
    expect(loaded).toMatchObject({ status: 'corrupt', reason: expect.stringContaining('sum to') });
  });
});
