/** WebSocket close codes of the agent stream, and what the agent does on each. */
export const CLOSE_CODES = {
  /** Credential revoked or firewall deregistered: do not reconnect. */
  credentialRevoked: 4001,
  /** The agent speaks a protocol version the server does not: upgrade, do not retry as is. */
  unsupportedVersion: 4002,
  /** A frame was not valid JSON or not a valid message: reconnect with backoff. */
  malformedFrame: 4003,
  /** Too many frames: reconnect after a backoff. */
  flood: 4004,
  /** The agent fell too far behind the live stream: reconnect and resume from its cursors. */
  lagging: 4008,
  /** The gateway is restarting: reconnect (to any gateway) with jitter. */
  serviceRestart: 1012,
} as const;

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/** Largest frame an agent may send (the gateway's `maxPayload`). */
export const MAX_CLIENT_FRAME_BYTES = 1024 * 1024;

/** Whether an agent should reconnect after the socket closed with `code`. */
export function shouldReconnect(code: number): boolean {
  return code !== CLOSE_CODES.credentialRevoked && code !== CLOSE_CODES.unsupportedVersion;
}
