// Parsing never throws on bad input: every frame from the other side is untrusted, and a bad one must become a
// clear error (and a close code), never an exception in the process reading it.

import type { z } from 'zod';
import { CLOSE_CODES, MAX_CLIENT_FRAME_BYTES } from './close-codes';
import { parseEventsFrame } from './events-frame';
import {
  CLIENT_MESSAGE_TYPES,
  PROTOCOL_VERSION,
  SERVER_MESSAGE_TYPES,
  SUPPORTED_VERSIONS,
  clientMessageSchema,
  eventsEnvelopeSchema,
  serverMessageSchema,
  type ClientMessage,
  type ServerMessage,
} from './messages';

/**
 * `invalid_events`: a well-formed events message with an invalid event in it. Only that batch is refused; the
 * connection stays (closing it would make the agent resend the same batch forever).
 */
export type ProtocolErrorCode =
  'frame_too_large' | 'malformed_json' | 'unsupported_version' | 'invalid_message' | 'invalid_events';

export interface ProtocolIssue {
  /** Where in the message, e.g. `streams[0].epoch`; empty for the whole message. */
  path: string;
  message: string;
}

export interface ProtocolError {
  code: ProtocolErrorCode;
  /** One line naming what is wrong and where. */
  message: string;
  issues: ProtocolIssue[];
  /** The refused batch, for `invalid_events`. */
  batchId?: string;
}

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: ProtocolError };

/** Parses one text frame from an agent. */
export function parseClientMessage(text: string): ParseResult<ClientMessage> {
  if (text.length > MAX_CLIENT_FRAME_BYTES) {
    return failure(
      'frame_too_large',
      `frame of ${text.length} characters exceeds ${MAX_CLIENT_FRAME_BYTES} bytes`,
    );
  }
  return parseWith(text, clientMessageSchema, CLIENT_MESSAGE_TYPES);
}

/**
 * Parses one text frame from an agent given as the bytes received (valid UTF-8): as parseClientMessage of its text,
 * with an events frame written as agents write it parsed in pieces (parseEventsFrame) instead of decoded whole.
 */
export function parseClientFrame(frame: Buffer): ParseResult<ClientMessage> {
  const value = frame.length <= MAX_CLIENT_FRAME_BYTES ? parseEventsFrame(frame) : null;
  if (value === null) return parseClientMessage(frame.toString());
  return validateWith(value, clientMessageSchema, CLIENT_MESSAGE_TYPES);
}

/** Parses one text frame from the gateway. */
export function parseServerMessage(text: string): ParseResult<ServerMessage> {
  return parseWith(text, serverMessageSchema, SERVER_MESSAGE_TYPES);
}

/** Validates an already decoded value (for example a binary snapshot frame's header and body put together). */
export function validateServerMessage(value: unknown): ParseResult<ServerMessage> {
  return validateWith(value, serverMessageSchema, SERVER_MESSAGE_TYPES);
}

export function encodeClientMessage(message: ClientMessage): string {
  return JSON.stringify(message);
}

/** One JSON text per message: the gateway encodes a deltas frame once and sends the same text to every agent. */
export function encodeServerMessage(message: ServerMessage): string {
  return JSON.stringify(message);
}

/** The close code for a frame that failed to parse. */
export function closeCodeFor(error: ProtocolError): number {
  return error.code === 'unsupported_version' ? CLOSE_CODES.unsupportedVersion : CLOSE_CODES.malformedFrame;
}

function parseWith<T>(text: string, schema: z.ZodType<T>, types: readonly string[]): ParseResult<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return failure('malformed_json', `frame is not JSON: ${(error as Error).message}`);
  }
  return validateWith(value, schema, types);
}

function validateWith<T>(value: unknown, schema: z.ZodType<T>, types: readonly string[]): ParseResult<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return failure('invalid_message', 'a message is a JSON object');
  }
  const { type, v } = value as { type?: unknown; v?: unknown };
  if (v !== undefined && v !== PROTOCOL_VERSION) {
    return failure(
      'unsupported_version',
      `protocol version ${JSON.stringify(v)} is not supported (supported: ${SUPPORTED_VERSIONS.join(', ')})`,
    );
  }
  if (typeof type !== 'string' || !types.includes(type)) {
    return failure(
      'invalid_message',
      `unknown message type ${JSON.stringify(type)} (expected one of ${types.join(', ')})`,
    );
  }
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, message: result.data };
  const issues = result.error.issues.map((issue) => ({
    path: formatPath(issue.path),
    message: issue.message,
  }));
  const shown = issues
    .slice(0, 5)
    .map((issue) => (issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`))
    .join('; ');
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  const message = `invalid ${type} message: ${shown}${more}`;
  if (type === 'events') {
    const envelope = eventsEnvelopeSchema.safeParse(value);
    if (envelope.success) {
      return {
        ok: false,
        error: { code: 'invalid_events', message, issues, batchId: envelope.data.batchId },
      };
    }
  }
  return { ok: false, error: { code: 'invalid_message', message, issues } };
}

function failure(code: ProtocolErrorCode, message: string): { ok: false; error: ProtocolError } {
  return { ok: false, error: { code, message, issues: [] } };
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text;
}
