import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decisionJson, type DecisionService } from './decision-service';
import { parseCheckRequest } from './traffic-input';

/** A single request's body, and a batch's line. */
const MAX_BODY_BYTES = 64 * 1024;

export interface DecisionServerOptions {
  decisions: DecisionService;
  /** Answered on `GET /v1/status`. */
  status?: () => unknown;
}

/**
 * The local decision API on a loopback address, on node:http directly (no framework on the hot path).
 *
 * - `POST /v1/check` with a JSON body: one decision.
 * - `POST /v1/check` with `Content-Type: application/x-ndjson`: one request per line, one answer line per request
 *   line in the same order, streamed as the lines arrive; a bad line gets an error line and the batch goes on.
 *   Blank lines are not requests and get no answer.
 */
export function createDecisionServer(options: DecisionServerOptions): Server {
  const server = createServer((request, response) => route(options, request, response));
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

export async function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

function route(options: DecisionServerOptions, request: IncomingMessage, response: ServerResponse): void {
  const path = request.url?.split('?')[0];
  if (path === '/v1/check') {
    if (request.method !== 'POST') return fail(response, 405, 'METHOD_NOT_ALLOWED', 'use POST on /v1/check');
    const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (type === 'application/x-ndjson') return checkBatch(options.decisions, request, response);
    return checkOne(options.decisions, request, response);
  }
  if (path === '/v1/status' && request.method === 'GET' && options.status !== undefined) {
    return send(response, 200, 'application/json', JSON.stringify(options.status()));
  }
  if (path === '/healthz' && request.method === 'GET')
    return send(response, 200, 'application/json', '{"ok":true}');
  fail(response, 404, 'NOT_FOUND', `no route ${request.method ?? ''} ${path ?? ''}`);
}

function checkOne(decisions: DecisionService, request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk);
  });
  request.on('end', () => {
    if (tooLarge) return fail(response, 413, 'PAYLOAD_TOO_LARGE', `the body exceeds ${MAX_BODY_BYTES} bytes`);
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return fail(response, 400, 'VALIDATION_FAILED', 'the body is not JSON');
    }
    const parsed = parseCheckRequest(raw);
    if (typeof parsed === 'string') return fail(response, 400, 'VALIDATION_FAILED', parsed);
    send(response, 200, 'application/json', decisionJson(decisions.check(parsed)));
  });
}

function checkBatch(decisions: DecisionService, request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'application/x-ndjson' });
  request.setEncoding('utf8');
  let pending = '';
  let line = 0;
  /** Inside a line longer than the limit: its rest is skipped up to the next newline. */
  let skipping = false;
  const answer = (text: string): string => {
    const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (trimmed.trim().length === 0) return '';
    line++;
    if (trimmed.length > MAX_BODY_BYTES)
      return errorLine(line, 'LINE_TOO_LONG', `a line exceeds ${MAX_BODY_BYTES} bytes`);
    let raw: unknown;
    try {
      raw = JSON.parse(trimmed);
    } catch {
      return errorLine(line, 'BAD_JSON', 'not JSON');
    }
    const parsed = parseCheckRequest(raw);
    if (typeof parsed === 'string') return errorLine(line, 'VALIDATION_FAILED', parsed);
    return decisionJson(decisions.check(parsed)) + '\n';
  };
  /** Answers are written in pieces of at least this size: fewer, larger socket writes. */
  const WRITE_AT = 64 * 1024;
  let out = '';
  request.on('data', (chunk: string) => {
    let start = 0;
    let text = pending + chunk;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
      if (skipping) skipping = false;
      else out += answer(text.slice(start, newline));
      start = newline + 1;
    }
    text = text.slice(start);
    if (!skipping && text.length > MAX_BODY_BYTES) {
      line++;
      out += errorLine(line, 'LINE_TOO_LONG', `a line exceeds ${MAX_BODY_BYTES} bytes`);
      skipping = true;
    }
    pending = skipping ? '' : text;
    if (out.length >= WRITE_AT) {
      const ready = response.write(out);
      out = '';
      if (!ready) {
        request.pause();
        response.once('drain', () => request.resume());
      }
    }
  });
  request.on('end', () => {
    response.end(out + (skipping ? '' : answer(pending)));
  });
}

function errorLine(line: number, code: string, message: string): string {
  return `{"error":{"code":"${code}","message":${JSON.stringify(`line ${line}: ${message}`)},"line":${line}}}\n`;
}

function fail(response: ServerResponse, status: number, code: string, message: string): void {
  send(response, status, 'application/json', JSON.stringify({ error: { code, message } }));
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
