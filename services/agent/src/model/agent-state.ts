import {
  ColumnsBuild,
  Matcher,
  MatcherInputError,
  StateChecksum,
  type IocColumns,
  type ExclusionEntry as MatcherExclusion,
  type IocEntry,
  type IocSource,
  type MatcherDelta,
} from '@threatline/matcher';
import { DEFAULT_SETTINGS, type AgentSettings } from './settings';
import { IndicatorColumns, entriesOfColumns, type DecodedColumns } from './indicator-columns';
import {
  SNAPSHOT_SLICE,
  nextTurn,
  parseSnapshotEntries,
  readDecodedColumns,
  takeDecodedEntries,
  type SnapshotEntries,
} from './snapshot-entries';
import {
  internAuditId,
  parseEntry,
  streamShape,
  type StreamShape,
  type ExclusionEntry,
  type IndicatorEntry,
  type SettingsEntry,
  type StreamEntry,
} from './stream-entry';
import { DeferredEntries, StreamState, type HeldEntries } from './stream-state';

export interface SnapshotFrame {
  stream: string;
  epoch: number;
  seq: number;
  checksum: string;
  entries: readonly unknown[];
}

/** A snapshot as @threatline/protocol's decoder gives it: every entry checked against the stream's kind (entry
 *  schema, key `<type>:<value>` of the entry's own type and value, no key twice). Not its checksum. */
export interface DecodedSnapshotFrame extends SnapshotFrame {
  entries: readonly StreamEntry[];
}

export interface StreamDelta {
  seq: number;
  op: 'upsert' | 'remove';
  key: string;
  entry?: unknown;
}

export interface DeltasFrame {
  stream: string;
  epoch: number;
  fromSeq: number;
  toSeq: number;
  checksum: string;
  deltas: readonly StreamDelta[];
}

/** What an applied change touched, so the derived views (nftables, RPZ) redo only what they must. */
export interface StateChanges {
  addresses: boolean;
  domains: boolean;
  exclusions: boolean;
  settings: boolean;
}

export type ApplyOutcome =
  | { status: 'applied'; changes: StateChanges }
  /** Everything in the frame was applied before (a resent frame after a reconnect). */
  | { status: 'already-applied' }
  /** The frame is for a stream this agent does not hold (any more). */
  | { status: 'ignored' }
  /** Nothing was applied; the stream needs a snapshot. */
  | { status: 'resync'; reason: string };

/** A change of at least this many keys, and at least half the matcher's size, rebuilds the matcher in one pass
 *  (tables sized once) instead of applying deltas one by one. */
const REBUILD_MIN = 20_000;

/**
 * Everything the agent holds: its streams (entries, positions, checksums) and what derives from them, the compiled
 * matcher and the settings. A frame is applied completely or not at all; the matcher always reflects the streams.
 *
 * The matcher keeps one entry per (source, value) while two MDR streams (tenant and group) may both carry a value;
 * the effective entry is the non-dry-run one if any, then the one with the greatest audit ID (audit IDs start with
 * their UTC date, so that is the latest feed), then the first stream id: the same choice however the frames
 * arrived.
 */
export class AgentState {
  private readonly streamMap = new Map<string, StreamState>();
  private settingsCache: AgentSettings | null = null;
  /** Streams changed since the last save. */
  readonly dirty = new Set<string>();

  constructor(
    public matcher: Matcher,
    streams: Iterable<StreamState> = [],
  ) {
    for (const stream of streams) this.streamMap.set(stream.id, stream);
  }

  static empty(): AgentState {
    return new AgentState(Matcher.empty());
  }

  /** The state of `streams` with a matcher built from them. */
  static derive(streams: Iterable<StreamState>): AgentState {
    const state = new AgentState(Matcher.empty(), streams);
    state.matcher = state.buildMatcher();
    return state;
  }

  get streams(): StreamState[] {
    return [...this.streamMap.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  stream(id: string): StreamState | undefined {
    return this.streamMap.get(id);
  }

  /** Read on every decision: cached, and recomputed only after the settings stream changed. */
  get settings(): AgentSettings {
    this.settingsCache ??= this.currentSettings();
    return this.settingsCache;
  }

  private currentSettings(): AgentSettings {
    for (const stream of this.streamMap.values()) {
      if (stream.shape.kind !== 'settings') continue;
      const entry = stream.entries.get('settings') as SettingsEntry | undefined;
      if (entry !== undefined) return entry.settings;
    }
    return DEFAULT_SETTINGS;
  }

  /**
   * Makes the held streams exactly `ids` (the service's `welcome` or `streams` message): new ones start empty at
   * epoch 0 (so the service sends their snapshot), dropped ones leave the matcher. Unknown ids are ignored.
   */
  holdStreams(ids: readonly string[]): StateChanges {
    const wanted = new Set(ids.filter((id) => streamShape(id) !== null));
    const changes = noChanges();
    for (const stream of [...this.streamMap.values()]) {
      if (wanted.has(stream.id)) continue;
      const removed = new Map<string, StreamEntry | null>();
      for (const key of stream.entries.keys()) removed.set(key, null);
      this.change(stream, removed, stream.epoch, stream.seq, changes);
      this.streamMap.delete(stream.id);
      this.settingsCache = null;
      this.dirty.add(stream.id);
    }
    for (const id of wanted) {
      if (this.streamMap.has(id)) continue;
      this.streamMap.set(id, StreamState.empty(id, streamShape(id)!));
      this.dirty.add(id);
    }
    return changes;
  }

  /**
   * Applies a snapshot whose entries are of unknown origin (each one is parsed). Reading a large one takes a while,
   * so it yields to the event loop between slices: decisions go on meanwhile, on the matcher as it was, until the
   * new one replaces it at once. Frames must be applied one at a time (the stream connection awaits each), since
   * the state changes only at the end.
   */
  applySnapshot(frame: SnapshotFrame): Promise<ApplyOutcome> {
    return this.takeSnapshot(frame, parseSnapshotEntries);
  }

  /**
   * Applies a snapshot as @threatline/protocol's decoder gave it (the stream connection's frames): its entries
   * are not parsed again. Everything else is as in `applySnapshot`, the checksum check included. `columns`: the
   * checked columns the decoder read an indicator snapshot from (`snapshotColumnsOf`), which the short way builds
   * from without reading `frame.entries` (whose objects are then never made).
   */
  applyDecodedSnapshot(frame: DecodedSnapshotFrame, columns?: DecodedColumns): Promise<ApplyOutcome> {
    const stream = this.streamMap.get(frame.stream);
    const count = columns?.count ?? frame.entries.length;
    if (
      stream?.shape.kind === 'indicators' &&
      this.rebuilds(stream.size + count) &&
      this.indicatorStreams(stream.shape.source!).every((held) => held === stream || held.size === 0)
    ) {
      return this.replaceFromColumns(stream, frame, columns);
    }
    return this.takeSnapshot(frame, takeDecodedEntries);
  }

  private async takeSnapshot<E>(
    frame: SnapshotFrame & { entries: readonly E[] },
    readEntries: (shape: StreamShape, entries: readonly E[]) => Promise<SnapshotEntries>,
  ): Promise<ApplyOutcome> {
    const stream = this.streamMap.get(frame.stream);
    if (stream === undefined) return { status: 'ignored' };
    const where = `snapshot of ${frame.stream}`;
    const read = await readEntries(stream.shape, frame.entries);
    if (typeof read === 'string') return { status: 'resync', reason: `${where}: ${read}` };
    const { entries, sum } = read;
    const checksum = sum.toHex();
    if (checksum !== frame.checksum) {
      return {
        status: 'resync',
        reason: `${where} at seq ${frame.seq}: checksum ${checksum}, the service says ${frame.checksum}`,
      };
    }
    if (stream.shape.kind !== 'settings' && this.rebuilds(stream.size + entries.size)) {
      return this.replaceStream(stream, entries, sum, frame.epoch, frame.seq, where);
    }
    const changed = new Map<string, StreamEntry | null>();
    for (const key of stream.entries.keys()) if (!entries.has(key)) changed.set(key, null);
    for (const [key, entry] of entries) changed.set(key, entry);
    return this.applyChanges(stream, changed, frame.epoch, frame.seq, where);
  }

  applyDeltas(frame: DeltasFrame): ApplyOutcome {
    const stream = this.streamMap.get(frame.stream);
    if (stream === undefined) return { status: 'ignored' };
    const where = `deltas ${frame.fromSeq}..${frame.toSeq} of ${frame.stream}`;
    if (frame.epoch !== stream.epoch) {
      return { status: 'resync', reason: `${where}: epoch ${frame.epoch}, held epoch ${stream.epoch}` };
    }
    if (frame.toSeq <= stream.seq) return { status: 'already-applied' };
    if (frame.fromSeq > stream.seq + 1) {
      return { status: 'resync', reason: `${where}: a gap after the held seq ${stream.seq}` };
    }
    const changed = new Map<string, StreamEntry | null>();
    let expected = stream.seq + 1;
    for (const delta of frame.deltas) {
      if (delta.seq <= stream.seq) continue;
      if (delta.seq !== expected) {
        return { status: 'resync', reason: `${where}: seq ${delta.seq} where ${expected} was due` };
      }
      expected++;
      if (delta.op === 'remove') {
        changed.set(delta.key, null);
        continue;
      }
      const entry = parseEntry(stream.shape, delta.entry);
      if (typeof entry === 'string')
        return { status: 'resync', reason: `${where}: seq ${delta.seq}: ${entry}` };
      if (entry.key !== delta.key) {
        return {
          status: 'resync',
          reason: `${where}: seq ${delta.seq} upserts ${delta.key} with entry ${entry.key}`,
        };
      }
      changed.set(delta.key, entry);
    }
    if (expected !== frame.toSeq + 1) {
      return { status: 'resync', reason: `${where}: the deltas end at seq ${expected - 1}` };
    }
    const checksum = stream.checksumWith(changed);
    if (checksum !== frame.checksum) {
      return {
        status: 'resync',
        reason: `${where}: checksum ${checksum} after applying, the service says ${frame.checksum}`,
      };
    }
    return this.applyChanges(stream, changed, frame.epoch, frame.toSeq, where);
  }

  /** Every IoC entry in effect (of `types`, or all), as the matcher holds them. */
  effectiveEntries(types?: ReadonlySet<IocEntry['type']>): IocEntry[] {
    const out: IocEntry[] = [];
    for (const source of ['MDR', 'XOPS'] as const) this.collectEffective(source, types, out);
    return out;
  }

  exclusionEntries(): MatcherExclusion[] {
    const byKey = new Map<string, MatcherExclusion>();
    for (const stream of this.streamMap.values()) {
      if (stream.shape.kind !== 'exclusions') continue;
      for (const [key, entry] of stream.entries) {
        const exclusion = entry as ExclusionEntry;
        if (!byKey.has(key)) byKey.set(key, { type: exclusion.type, value: exclusion.value });
      }
    }
    return [...byKey.values()];
  }

  /**
   * A large indicator snapshot of the only stream of its source that holds anything (the usual case: X-Ops has one
   * stream, a tenant's MDR indicators often come on one of its two), taken as the decoder gave it: the matcher is
   * built from the entries as columns (no object per entry), in slices between which decisions go on with the old
   * matcher, and the stream takes them as a list (no index by key; see StreamState). When the build replaced no
   * entry (no key twice, no value both a network and a URL), every entry is in the matcher once and no other stream
   * gives the source any: the matcher's checksum of the source is the stream's, item for item, so the entries are
   * not hashed again. Otherwise they are read by key and hashed as in `takeSnapshot`, which refuses a key twice.
   * Nothing changes unless everything holds.
   */
  private async replaceFromColumns(
    stream: StreamState,
    frame: DecodedSnapshotFrame,
    decoded: DecodedColumns | undefined,
  ): Promise<ApplyOutcome> {
    const where = `snapshot of ${frame.stream}`;
    const source = stream.shape.source!;
    let columns: IocColumns;
    let listed: readonly IndicatorEntry[] | DeferredEntries;
    if (decoded === undefined) {
      const entries = frame.entries as readonly IndicatorEntry[];
      columns = await readDecodedColumns(source, entries);
      listed = entries;
    } else {
      const auditIds = decoded.auditIds.map(internAuditId);
      const { types, values, audit, dryRun } = decoded;
      columns = { source, types, values, auditIds, audit, dryRun };
      listed = new DeferredEntries(decoded.count, () => entriesOfColumns(decoded, auditIds));
    }
    primeBuild(columns);
    const other = this.buildInput(source === 'MDR' ? 'XOPS' : 'MDR');
    const build = new ColumnsBuild([columns, ...other.columns], other.entries, this.exclusionEntries());
    let matcher: Matcher;
    try {
      while (!build.advance(SNAPSHOT_SLICE)) await nextTurn();
      matcher = build.finish();
    } catch (error) {
      if (error instanceof MatcherInputError)
        return { status: 'resync', reason: `${where}: ${error.message}` };
      throw error;
    }
    let held: HeldEntries = listed;
    let sum: StateChecksum;
    if (build.replaced === 0) {
      const sums = matcher.checksums();
      sum = StateChecksum.fromHex(source === 'MDR' ? sums.mdr : sums.xops);
    } else {
      const entries = listed instanceof DeferredEntries ? listed.list : listed;
      const read = await takeDecodedEntries(stream.shape, entries);
      if (typeof read === 'string') return { status: 'resync', reason: `${where}: ${read}` };
      ({ entries: held, sum } = read);
    }
    const checksum = sum.toHex();
    if (checksum !== frame.checksum) {
      return {
        status: 'resync',
        reason: `${where} at seq ${frame.seq}: checksum ${checksum}, the service says ${frame.checksum}`,
      };
    }
    const changes = noChanges();
    noteTypes(stream.shape, stream.values(), changes);
    noteIndicatorTypes(columns.types, changes);
    stream.replace(held, sum, frame.epoch, frame.seq);
    this.matcher = matcher;
    this.dirty.add(stream.id);
    return { status: 'applied', changes };
  }

  /** A source's entries in effect, for a build: as columns when one stream holds them all, else as objects. */
  private buildInput(source: IocSource): { columns: IocColumns[]; entries: IocEntry[] } {
    const streams = this.indicatorStreams(source).filter((stream) => stream.size > 0);
    if (streams.length === 0) return { columns: [], entries: [] };
    if (streams.length === 1) {
      const stream = streams[0]!;
      const entries = stream.values() as Iterable<IndicatorEntry>;
      return { columns: [IndicatorColumns.of(source, stream.size, entries)], entries: [] };
    }
    const entries: IocEntry[] = [];
    this.collectEffective(source, undefined, entries);
    return { columns: [], entries };
  }

  /** The source's entries in effect (of `types`, or all), appended to `out`. */
  private collectEffective(
    source: IocSource,
    types: ReadonlySet<IocEntry['type']> | undefined,
    out: IocEntry[],
  ): void {
    const streams = this.indicatorStreams(source).filter((stream) => stream.size > 0);
    if (streams.length === 1) {
      // The usual case (X-Ops has one stream, a tenant's MDR indicators often come on one of its two): every
      // entry is in effect, no choice between streams to make.
      for (const entry of streams[0]!.values()) {
        const indicator = entry as IndicatorEntry;
        if (types !== undefined && !types.has(indicator.type)) continue;
        const { value, type, auditId, dryRun } = indicator;
        out.push({ value, type, source, auditId, dryRun });
      }
      return;
    }
    const seen = new Set<string>();
    for (const stream of streams) {
      for (const [key, entry] of stream.entries) {
        if (types !== undefined && !types.has((entry as IndicatorEntry).type)) continue;
        if (seen.has(key)) continue;
        seen.add(key);
        const effective = this.effectiveIndicator(streams, source, key);
        if (effective !== null) out.push(effective);
      }
    }
  }

  /**
   * A large snapshot: the stream takes the new entries wholesale and the matcher is built again, without the
   * key-by-key diff, rollback copy and checksum updates of a delta (a million entries cost seconds that way).
   */
  private replaceStream(
    stream: StreamState,
    entries: Map<string, StreamEntry>,
    sum: StateChecksum,
    epoch: number,
    seq: number,
    where: string,
  ): ApplyOutcome {
    const changes = noChanges();
    for (const held of [stream.values(), entries.values()]) noteTypes(stream.shape, held, changes);
    const previous = stream.replace(entries, sum, epoch, seq);
    try {
      this.matcher = this.buildMatcher();
    } catch (error) {
      stream.restore(previous);
      if (error instanceof MatcherInputError)
        return { status: 'resync', reason: `${where}: ${error.message}` };
      throw error;
    }
    this.dirty.add(stream.id);
    return { status: 'applied', changes };
  }

  /** Whether a change of `changedKeys` keys is cheaper as a rebuild of the matcher than as deltas. */
  private rebuilds(changedKeys: number): boolean {
    const stats = this.matcher.stats();
    const size = stats.ipv4 + stats.cidr + stats.domain + stats.url + stats.exclusions;
    return changedKeys >= REBUILD_MIN && changedKeys * 2 >= size;
  }

  private applyChanges(
    stream: StreamState,
    changed: Map<string, StreamEntry | null>,
    epoch: number,
    seq: number,
    where: string,
  ): ApplyOutcome {
    const changes = noChanges();
    try {
      this.change(stream, changed, epoch, seq, changes);
    } catch (error) {
      if (error instanceof MatcherInputError)
        return { status: 'resync', reason: `${where}: ${error.message}` };
      throw error;
    }
    this.dirty.add(stream.id);
    return { status: 'applied', changes };
  }

  /** Commits `changed` to the stream and brings the matcher along; on a matcher error the stream is restored. */
  private change(
    stream: StreamState,
    changed: Map<string, StreamEntry | null>,
    epoch: number,
    seq: number,
    changes: StateChanges,
  ): void {
    const previous = new Map<string, StreamEntry | null>();
    for (const key of changed.keys()) previous.set(key, stream.entries.get(key) ?? null);
    const previousPosition = { epoch: stream.epoch, seq: stream.seq };
    stream.commit(changed, epoch, seq);
    try {
      this.follow(stream, changed, previous, changes);
    } catch (error) {
      stream.commit(previous, previousPosition.epoch, previousPosition.seq);
      throw error;
    }
  }

  private follow(
    stream: StreamState,
    changed: Map<string, StreamEntry | null>,
    previous: Map<string, StreamEntry | null>,
    changes: StateChanges,
  ): void {
    const kind = stream.shape.kind;
    if (kind === 'settings') {
      changes.settings = true;
      this.settingsCache = null;
      return;
    }
    for (const key of changed.keys()) {
      const entry = changed.get(key) ?? previous.get(key) ?? null;
      if (entry !== null) noteTypes(stream.shape, [entry], changes);
    }
    if (this.rebuilds(changed.size)) {
      this.matcher = this.buildMatcher();
      return;
    }
    const source = stream.shape.source ?? 'MDR';
    const streams = kind === 'indicators' ? this.indicatorStreams(source) : [];
    const deltas: MatcherDelta[] = [];
    for (const key of changed.keys()) {
      const entry = (changed.get(key) ?? previous.get(key)) as IndicatorEntry | ExclusionEntry | null;
      if (entry === null) continue;
      if (kind === 'exclusions') {
        const exclusion = { type: (entry as ExclusionEntry).type, value: entry.value };
        deltas.push({ op: this.excluded(key) ? 'addExclusion' : 'removeExclusion', exclusion });
      } else {
        const effective = this.effectiveIndicator(streams, source, key);
        deltas.push(
          effective === null ? { op: 'remove', source, value: entry.value } : { op: 'add', entry: effective },
        );
      }
    }
    this.matcher.apply(deltas);
  }

  private buildMatcher(): Matcher {
    return Matcher.build(this.effectiveEntries(), this.exclusionEntries());
  }

  private indicatorStreams(source: IocSource): StreamState[] {
    return this.streams.filter(
      (stream) => stream.shape.kind === 'indicators' && stream.shape.source === source,
    );
  }

  private effectiveIndicator(
    streams: readonly StreamState[],
    source: IocSource,
    key: string,
  ): IocEntry | null {
    let best: IndicatorEntry | null = null;
    for (const stream of streams) {
      const entry = stream.entries.get(key) as IndicatorEntry | undefined;
      if (entry === undefined) continue;
      if (best === null || better(entry, best)) best = entry;
    }
    if (best === null) return null;
    return { value: best.value, type: best.type, source, auditId: best.auditId, dryRun: best.dryRun };
  }

  private excluded(key: string): boolean {
    for (const stream of this.streamMap.values()) {
      if (stream.shape.kind === 'exclusions' && stream.entries.has(key)) return true;
    }
    return false;
  }
}

/** Streams are visited in id order, so a tie keeps the first stream's entry. */
function better(candidate: IndicatorEntry, best: IndicatorEntry): boolean {
  if (candidate.dryRun !== best.dryRun) return !candidate.dryRun;
  return candidate.auditId > best.auditId;
}

/** Marks in `changes` what entries of a stream of `shape` touch. */
function noteTypes(shape: StreamShape, entries: Iterable<StreamEntry>, changes: StateChanges): void {
  for (const entry of entries) {
    if (shape.kind === 'settings') changes.settings = true;
    else if (shape.kind === 'exclusions') changes.exclusions = true;
    else if ((entry as IndicatorEntry).type === 'domain') changes.domains = true;
    else if ((entry as IndicatorEntry).type !== 'url') changes.addresses = true;
    if (shape.kind !== 'indicators' || (changes.domains && changes.addresses)) return;
  }
}

/** Marks in `changes` what indicators of these types touch (a column of types: no entry objects needed). */
function noteIndicatorTypes(types: ArrayLike<IocEntry['type']>, changes: StateChanges): void {
  // Array.prototype.includes, a native loop: a snapshot's entries come grouped by type (key order), so a loop here
  // went through every domain before it met an address, ~5 ms of an agent's first snapshot while not yet optimized.
  const has = (type: IocEntry['type']): boolean => Array.prototype.includes.call(types, type);
  changes.domains ||= has('domain');
  changes.addresses ||= has('ipv4') || has('cidr');
}

/** Entries a priming build takes, spread over the snapshot. */
const PRIME_ENTRIES = 256;

/**
 * Builds a throwaway matcher from a few entries spread over `columns`, the types taken in turn, so the build's
 * per-entry code has seen every type before the JIT optimizes it. A snapshot's keys come sorted, hence grouped by
 * type (all domains, then addresses, then URLs): without this, code optimized on the first type is thrown away at the
 * first entry of the next (no type feedback for its path), in each function a build calls per entry, and warms up
 * again from the interpreter.
 */
function primeBuild(columns: IocColumns): void {
  const count = columns.values.length;
  const byType = new Map<IocEntry['type'], number[]>();
  for (let i = 0; i < count; i += Math.max(1, Math.floor(count / PRIME_ENTRIES))) {
    const type = columns.types[i]!;
    const picked = byType.get(type);
    if (picked === undefined) byType.set(type, [i]);
    else picked.push(i);
  }
  const order: number[] = [];
  const lists = [...byType.values()];
  for (let turn = 0; lists.some((picked) => turn < picked.length); turn++) {
    for (const picked of lists) if (turn < picked.length) order.push(picked[turn]!);
  }
  const sample: IocColumns = {
    source: columns.source,
    types: order.map((i) => columns.types[i]!),
    values: order.map((i) => columns.values[i]!),
    auditIds: columns.auditIds,
    audit: order.map((i) => columns.audit[i]!),
    dryRun: order.map((i) => columns.dryRun[i]!),
  };
  try {
    new ColumnsBuild([sample]).finish();
  } catch (error) {
    // A value the matcher refuses: the real build says so.
    if (!(error instanceof MatcherInputError)) throw error;
  }
}

function noChanges(): StateChanges {
  return { addresses: false, domains: false, exclusions: false, settings: false };
}
