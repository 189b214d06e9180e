import {
  CLOSE_CODES,
  encodeClientMessage,
  parseServerMessage,
  PROTOCOL_VERSION,
  SNAPSHOT_BODY_FORMATS,
  shouldReconnect,
  type ClientMessage,
  type HelloMessage,
  type ServerMessage,
} from '@threatline/protocol';
import WebSocket, { type ClientOptions, type RawData } from 'ws';
import { DEFAULT_BACKOFF, fullJitterDelay, type BackoffOptions } from './backoff';
import { decodeSnapshot } from './snapshot-decoder';

export interface StreamSocketOptions {
  /** Stream URLs (`ws://host:port/agent/v1`); each reconnect moves on to the next. */
  urls: readonly string[];
  /** The firewall credential from enrollment. */
  credential: string;
  /** Reported in hello. */
  agentVersion: string;
  /** What the agent holds, read at each hello: resumed from, not received again. */
  cursors: () => HelloMessage['streams'];
  backoff?: BackoffOptions;
  /** The connection counts as dead when nothing (not even a ping) came for this many ping intervals. */
  deadAfterPingIntervals?: number;
  /** Passed to `ws` (timeouts, local address); the Authorization header is set here. */
  socketOptions?: ClientOptions;
}

/** How a connection ended, and what happens next. */
export interface StreamSocketEnd {
  code: number;
  reason: string;
  /** The upgrade was answered with HTTP (401 refused credential, 403 awaiting approval, 503...). */
  refused?: { status: number; body: string };
  /** The socket's own error (unreachable host, TLS...), when there was one. */
  socketError?: string;
  /** By stop(). */
  stopped: boolean;
  /** The next attempt's delay; null when there is none (stopped, or a terminal refusal: 401, 4001, 4002). */
  retryInMs: number | null;
}

/** What a client does with its connection; StreamSocket calls it strictly in order. */
export interface StreamSocketHandler {
  connecting?(url: string): void;
  /** The socket opened; hello is on its way. */
  opened?(): void;
  /** A decoded server message of the current connection, in arrival order; the next waits for it. */
  receive(message: ServerMessage, frameBytes: number): Promise<void> | void;
  /** A frame that could not be decoded or handled: the connection is closed (malformed frame) and made again. */
  violation?(reason: string): void;
  /** The connection ended, after every frame received on it was handled. */
  closed(end: StreamSocketEnd): void;
}

const ABNORMAL_CLOSURE = 1006;
const NORMAL_CLOSURE = 1000;
/** Until the first welcome says otherwise. */
const DEFAULT_PING_INTERVAL_MS = 30_000;
const DEFAULT_DEAD_AFTER_PING_INTERVALS = 2.5;
/** Of an HTTP refusal's body, kept for the error message. */
const MAX_REFUSAL_BODY = 1024;

/**
 * The transport half of an agent's end of the stream protocol (libs/protocol), shared by the firewall agent and
 * AgentClient: connects with the credential, says hello with the cursors held, decodes every frame (binary
 * snapshots included) and hands it over strictly in arrival order, watches the peer (the server pings every
 * interval its welcome gives; silence means it is gone), and reconnects with full-jitter exponential backoff
 * except after a terminal refusal. What a frame means is the handler's business.
 */
export class StreamSocket {
  private socket: WebSocket | undefined;
  private running = false;
  private attempt = 0;
  private nextUrl = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private deadPeerTimer: NodeJS.Timeout | undefined;
  private pingIntervalMs = DEFAULT_PING_INTERVAL_MS;
  /** Frames of the current connection, and work queued behind them. */
  private inbox: Promise<void> = Promise.resolve();
  private stoppedResolvers: (() => void)[] = [];

  constructor(
    private readonly options: StreamSocketOptions,
    private readonly handler: StreamSocketHandler,
  ) {
    if (options.urls.length === 0) throw new RangeError('a stream socket needs at least one URL');
    for (const url of options.urls) {
      if (!/^wss?:\/\/./.test(url) || !URL.canParse(url))
        throw new RangeError(`not a ws:// or wss:// URL: ${url}`);
    }
  }

  /** The socket is open (the server may not have welcomed it yet). */
  get open(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  get url(): string | undefined {
    return this.socket?.url;
  }

  /** Connects, and keeps connecting, until stop() or a terminal refusal. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  /** Closes the connection and cancels reconnects; resolves once the socket is closed and its frames handled. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    if (socket === undefined || socket.readyState === WebSocket.CLOSED) {
      this.handler.closed({ code: NORMAL_CLOSURE, reason: 'stopped', stopped: true, retryInMs: null });
      return;
    }
    const closed = new Promise<void>((resolve) => this.stoppedResolvers.push(resolve));
    if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    else socket.close(NORMAL_CLOSURE, 'agent stopping');
    await closed;
  }

  /** Sends on the current connection; false when there is none open. */
  send(message: ClientMessage): boolean {
    const socket = this.socket;
    if (socket?.readyState !== WebSocket.OPEN) return false;
    socket.send(encodeClientMessage(message));
    return true;
  }

  /**
   * Runs `work` after every frame received so far, told whether the connection it was queued on is still the
   * current one. Its failure counts as a bad frame of that connection.
   */
  enqueue(work: (current: boolean) => Promise<void> | void): void {
    const socket = this.socket;
    this.chain(socket, () => work(socket !== undefined && this.socket === socket));
  }

  private connect(): void {
    const url = this.options.urls[this.nextUrl++ % this.options.urls.length]!;
    this.handler.connecting?.(url);
    const socket = new WebSocket(url, {
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
      ...this.options.socketOptions,
      headers: { ...this.options.socketOptions?.headers, Authorization: `Bearer ${this.options.credential}` },
    });
    this.socket = socket;
    this.inbox = Promise.resolve();
    let refused: { status: number; body: string } | undefined;
    let socketError: string | undefined;

    socket.on('open', () => {
      this.handler.opened?.();
      this.watchPeer(socket);
      this.send({
        type: 'hello',
        v: PROTOCOL_VERSION,
        agent: { version: this.options.agentVersion },
        streams: this.options.cursors(),
        snapshotFormats: [...SNAPSHOT_BODY_FORMATS],
      });
    });
    socket.on('message', (data, isBinary) => {
      this.watchPeer(socket);
      this.chain(socket, () => this.receive(socket, data, isBinary));
    });
    socket.on('ping', () => this.watchPeer(socket));
    socket.on('unexpected-response', (request, response) => {
      // The upgrade was answered with HTTP. Aborting the handshake makes ws emit 'close' (1006).
      let body = '';
      response.on('data', (chunk: Buffer) => {
        if (body.length < MAX_REFUSAL_BODY) body += chunk.toString();
      });
      response.on('end', () => {
        refused = { status: response.statusCode ?? 0, body: body.slice(0, MAX_REFUSAL_BODY) };
        request.destroy();
        socket.terminate();
      });
    });
    socket.on('error', (error) => {
      socketError = error.message;
    });
    socket.on('close', (code, reason) => {
      if (this.socket === socket) this.socket = undefined;
      clearTimeout(this.deadPeerTimer);
      this.deadPeerTimer = undefined;
      void this.inbox.then(() =>
        this.closed({
          code: refused === undefined ? code : ABNORMAL_CLOSURE,
          reason: reason.toString(),
          ...(refused === undefined ? {} : { refused }),
          ...(socketError === undefined ? {} : { socketError }),
        }),
      );
    });
  }

  private chain(socket: WebSocket | undefined, work: () => Promise<void> | void): void {
    this.inbox = this.inbox.then(work).catch((error: unknown) => {
      this.violation(socket, `frame not handled: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private closed(end: Omit<StreamSocketEnd, 'stopped' | 'retryInMs'>): void {
    if (!this.running) {
      this.handler.closed({ ...end, reason: end.reason || 'stopped', stopped: true, retryInMs: null });
      for (const resolve of this.stoppedResolvers.splice(0)) resolve();
      return;
    }
    if (end.refused?.status === 401 || !shouldReconnect(end.code)) {
      this.running = false;
      this.handler.closed({ ...end, stopped: false, retryInMs: null });
      return;
    }
    const retryInMs = fullJitterDelay(this.attempt++, this.options.backoff ?? DEFAULT_BACKOFF);
    this.handler.closed({ ...end, stopped: false, retryInMs });
    this.reconnectTimer = setTimeout(() => {
      if (this.running) this.connect();
    }, retryInMs);
  }

  /** Re-arms the dead-peer timer. */
  private watchPeer(socket: WebSocket): void {
    if (this.deadPeerTimer !== undefined) {
      this.deadPeerTimer.refresh();
      return;
    }
    const intervals = this.options.deadAfterPingIntervals ?? DEFAULT_DEAD_AFTER_PING_INTERVALS;
    this.deadPeerTimer = setTimeout(() => {
      this.deadPeerTimer = undefined;
      if (this.socket === socket) socket.terminate();
    }, this.pingIntervalMs * intervals);
    this.deadPeerTimer.unref();
  }

  private async receive(socket: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
    if (this.socket !== socket) return;
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    const decoded = isBinary ? await decodeSnapshot(bytes) : parseServerMessage(bytes.toString());
    if (!decoded.ok) return this.violation(socket, decoded.error.message);
    if (this.socket !== socket) return;
    const message = decoded.message;
    if (message.type === 'welcome') {
      // A welcomed connection starts the backoff over, and the server's ping interval paces the peer watch.
      this.attempt = 0;
      this.pingIntervalMs = message.pingIntervalMs;
      clearTimeout(this.deadPeerTimer);
      this.deadPeerTimer = undefined;
      this.watchPeer(socket);
    }
    await this.handler.receive(message, bytes.length);
  }

  private violation(socket: WebSocket | undefined, reason: string): void {
    if (socket === undefined || this.socket !== socket) return;
    this.handler.violation?.(reason);
    // A close reason is at most 123 bytes on the wire.
    socket.close(CLOSE_CODES.malformedFrame, Buffer.from(reason).subarray(0, 123));
  }
}
