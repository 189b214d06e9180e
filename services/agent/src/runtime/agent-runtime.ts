import type { Server } from 'node:http';
import { AgentError } from '../agent-error';
import { createDecisionServer, listen } from '../decision/decision-server';
import { DecisionService, type DecisionBasis } from '../decision/decision-service';
import { addressSets } from '../enforcement/address-policy';
import { nftRunner } from '../enforcement/nft-runner';
import { NftablesEnforcer } from '../enforcement/nftables';
import { rpzZone, RpzWriter } from '../enforcement/rpz';
import { EventRecorder } from '../events/event-recorder';
import { EventSpool, type SpoolOptions } from '../events/event-spool';
import { EventUploader } from '../events/event-uploader';
import { LocalEventLog } from '../events/local-event-log';
import { errorText, type AgentLog } from '../log';
import { AgentState, type StateChanges } from '../model/agent-state';
import { loadCredential } from '../state/credential-store';
import { StateStore } from '../state/state-store';
import type { StreamConnection } from '../sync/stream-connection';
import { AGENT_VERSION } from '../version';
import { writeRuntimeStatus, type RuntimeStatus } from './runtime-status';

export interface RunOptions {
  stateDir: string;
  listenHost: string;
  listenPort: number;
  /** The nft command (a prefix such as `ip netns exec NS nft` is allowed); null turns kernel enforcement off. */
  nftCommand: string[] | null;
  /** Where the RPZ zone file goes; null: none. */
  rpzFile: string | null;
  spool?: Partial<SpoolOptions>;
  log: AgentLog;
}

const ADDRESS_TYPES = new Set(['ipv4', 'cidr'] as const);
const DOMAIN_TYPES = new Set(['domain'] as const);
const ALL_CHANGES: StateChanges = { addresses: true, domains: true, exclusions: true, settings: true };
const STATUS_EVERY_MS = 1000;

/**
 * `threatline-agent run`: serves decisions from the saved state first (the manifest and the compiled matcher
 * are all a decision needs), then loads the stream entries, brings nftables and the RPZ zone in step, and keeps
 * the stream. Ends when stopped, or when the service refuses the credential for good.
 */
export class AgentRuntime {
  private state: AgentState | null = null;
  private basis: DecisionBasis;
  private connection: StreamConnection | null = null;
  private uploader: EventUploader | null = null;
  private nftables: NftablesEnforcer | null = null;
  private rpz: RpzWriter | null = null;
  private statusTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | null = null;
  private resolveDone!: (outcome: { revoked: string | null }) => void;
  /** Resolves when the agent has stopped; `revoked` says why when the service refused the credential. */
  readonly done = new Promise<{ revoked: string | null }>((resolve) => (this.resolveDone = resolve));
  private readonly startedAt = new Date().toISOString();
  private listenAddress = '';
  private readonly server: Server;

  private constructor(
    private readonly options: RunOptions,
    private readonly store: StateStore,
    private readonly spool: EventSpool,
    private readonly localLog: LocalEventLog,
    head: Awaited<ReturnType<StateStore['loadHead']>>,
  ) {
    this.basis =
      head.status === 'ok' ? { matcher: head.matcher, settings: head.manifest.settings } : AgentState.empty();
    const decisions = new DecisionService(() => this.basis, new EventRecorder(localLog, spool));
    this.server = createDecisionServer({ decisions, status: () => this.status() });
  }

  static async start(options: RunOptions): Promise<AgentRuntime> {
    const credential = await loadCredential(options.stateDir);
    const store = new StateStore(options.stateDir);
    const head = await store.loadHead();
    if (head.status === 'corrupt') {
      options.log.warn(`state: ${head.reason}; not trusted: starting empty, the service sends snapshots`);
      await store.discard();
    }
    const spool = await EventSpool.open(options.stateDir, options.spool);
    const localLog = new LocalEventLog(options.stateDir);
    const runtime = new AgentRuntime(options, store, spool, localLog, head);
    try {
      const address = await listen(runtime.server, options.listenHost, options.listenPort);
      runtime.listenAddress = `${address.address}:${address.port}`;
    } catch (error) {
      throw new AgentError(
        'LISTEN_FAILED',
        `cannot serve decisions on ${options.listenHost}:${options.listenPort}: ${errorText(error)}`,
      );
    }
    options.log.info(`decision API on http://${runtime.listenAddress}/v1/check`);
    await runtime.loadStreams(head);
    runtime.startEnforcement();
    await runtime.connect(credential.streamUrl, credential.credential);
    runtime.statusTimer = setInterval(() => runtime.writeStatus(), STATUS_EVERY_MS);
    runtime.writeStatus();
    return runtime;
  }

  get listening(): string {
    return this.listenAddress;
  }

  status(): RuntimeStatus {
    const connection = this.connection;
    return {
      pid: process.pid,
      version: AGENT_VERSION,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
      listen: this.listenAddress,
      stateLoaded: this.state !== null,
      connection: connection?.status ?? {
        state: 'disconnected',
        since: this.startedAt,
        url: '',
        firewallId: null,
        lastError: null,
        stopReason: null,
      },
      resyncing: connection?.resyncing ?? [],
      events: {
        spooled: this.spool.size,
        dropped: this.spool.dropped,
        inFlight: this.uploader?.inFlightCount ?? 0,
      },
      nftables: this.nftables?.status ?? { state: 'off', lastError: null, table: null },
      rpz: {
        path: this.rpz?.path ?? null,
        counts: this.rpz?.lastCounts ?? null,
        lastError: this.rpz?.lastError ?? null,
      },
    };
  }

  /** Stops the stream, writes what is pending (state, events), closes the API. */
  stop(revoked: string | null = null): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.statusTimer);
      this.uploader?.stop();
      await this.connection?.stop();
      await this.nftables?.idle();
      await this.rpz?.idle();
      await this.spool.close();
      await this.localLog.flush();
      if (this.state !== null && this.state.dirty.size > 0)
        await this.store.save(this.state).catch(() => undefined);
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeAllConnections();
      await writeRuntimeStatus(this.options.stateDir, this.status()).catch(() => undefined);
      this.resolveDone({ revoked });
    })();
    return this.stopping;
  }

  private async loadStreams(head: Awaited<ReturnType<StateStore['loadHead']>>): Promise<void> {
    let state = AgentState.empty();
    if (head.status === 'ok') {
      const streams = await this.store.loadStreams(head.manifest);
      if (typeof streams === 'string') {
        this.options.log.warn(`state: ${streams}; not trusted: starting empty, the service sends snapshots`);
        await this.store.discard();
      } else {
        state = new AgentState(head.matcher, streams);
      }
    }
    this.state = state;
    this.basis = state;
  }

  private startEnforcement(): void {
    if (this.options.nftCommand !== null) {
      this.nftables = new NftablesEnforcer(nftRunner(this.options.nftCommand), this.options.log);
    }
    if (this.options.rpzFile !== null) this.rpz = new RpzWriter(this.options.rpzFile, this.options.log);
    this.follow(ALL_CHANGES);
  }

  /** Brings the derived views in step after a change (each computes its input when its turn comes). */
  private follow(changes: StateChanges): void {
    const state = this.state!;
    if (this.nftables !== null && (changes.addresses || changes.exclusions || changes.settings)) {
      void this.nftables.update(() =>
        addressSets(state.effectiveEntries(ADDRESS_TYPES), state.exclusionEntries(), state.settings),
      );
    }
    if (this.rpz !== null && (changes.domains || changes.exclusions || changes.settings)) {
      void this.rpz.update((serial) =>
        rpzZone(state.effectiveEntries(DOMAIN_TYPES), state.exclusionEntries(), state.settings, serial),
      );
    }
  }

  private async connect(url: string, credential: string): Promise<void> {
    // Loaded only now: the stream's modules (ws, zod schemas) are not needed for the first decision.
    const { StreamConnection } = await import('../sync/stream-connection.js');
    const state = this.state!;
    const connection = new StreamConnection({
      url,
      credential,
      agentVersion: AGENT_VERSION,
      state,
      persist: async () => {
        await this.store.save(state);
      },
      onChanges: (changes) => this.follow(changes),
      log: this.options.log,
    });
    const uploader = new EventUploader(this.spool, connection, this.options.log);
    connection.listen({
      connected: () => {
        uploader.connected();
        this.writeStatus();
      },
      disconnected: () => {
        uploader.disconnected();
        this.writeStatus();
      },
      eventsAck: (batchId) => uploader.acknowledged(batchId),
      eventsRetryLater: (batchId, message) => uploader.retryLater(batchId, message),
      eventsInvalid: (batchId, message) => uploader.invalid(batchId, message),
      stopped: (reason) => {
        this.options.log.error(`stream: ${reason}`);
        void this.stop(reason);
      },
    });
    this.connection = connection;
    this.uploader = uploader;
    connection.start();
  }

  private writeStatus(): void {
    this.uploader?.pump();
    void writeRuntimeStatus(this.options.stateDir, this.status()).catch((error: unknown) =>
      this.options.log.error(`status: ${errorText(error)}`),
    );
  }
}
