import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** Why an upgrade gets an HTTP answer instead of a socket. */
export interface UpgradeRefusal {
  status: 401 | 403 | 404 | 503;
  code: string;
  message: string;
}

/**
 * Answers a refused upgrade with a plain HTTP response (the JSON error body of the HTTP API)
 * and ends the connection: no WebSocket ever exists for it.
 */
export function refuseUpgrade(socket: Duplex, refusal: UpgradeRefusal): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
}

/** The credential of `Authorization: Bearer <credential>`, or null. */
export function bearerCredentialOf(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1] ?? null;
}
