// Every message of wire protocol v1 as a zod schema. Frames are JSON text; each message names its `type` and the
// protocol version `v`. The same schemas validate on both sides: the gateway parses what agents send, the agent
// parses what the gateway sends.

import { z } from 'zod';
import type { StreamEntry } from './entries';
import { entryIssue } from './entry-check';
import { isStreamId, parseStreamId, streamKindOf } from './stream-ids';
import { threatEventSchema, type ThreatEvent } from './threat-event';
import { checkThreatEvent } from './threat-event-check';

export const PROTOCOL_VERSION = 1;
/** The versions this build speaks. */
export const SUPPORTED_VERSIONS: readonly number[] = [PROTOCOL_VERSION];

/** Seqs travel as JSON numbers: exact up to 2^53 - 1, which a stream never reaches. */
const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const epoch = z.number().int().min(1).max(2147483647);
const checksum = z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex digits');
const streamId = z
  .string()
  .max(64)
  .refine(isStreamId, 'must be a stream id (mdr:t:<uuid>, mdr:g:<uuid>, xops, exc:g:<uuid>, set:f:<uuid>)');
const v = z.literal(PROTOCOL_VERSION);
const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a lowercase uuid');
/** Entries are checked against their stream's kind once the stream is known (see checkEntries). */
const entry = z.custom<StreamEntry>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  {
    message: 'must be an object',
  },
);

/** Most streams a firewall holds at once (five today); a bound on hello. */
export const MAX_STREAMS_PER_AGENT = 16;
/** Most events in one `events` batch. */
export const MAX_EVENTS_PER_BATCH = 1000;

// Agent -> server.

export const helloSchema = z.strictObject({
  type: z.literal('hello'),
  v,
  agent: z.strictObject({ version: z.string().min(1).max(64) }),
  /** What the agent holds; epoch 0 and seq 0 for a stream it never received. */
  streams: z
    .array(
      z.strictObject({ stream: streamId, epoch: z.number().int().min(0).max(2147483647), seq, checksum }),
    )
    .max(MAX_STREAMS_PER_AGENT),
  /**
   * The binary snapshot body formats the agent reads (snapshot-formats.ts). Absent: `entries-v1` only (agents from
   * before formats were named). Names this side does not know are allowed and ignored, so a newer agent can offer a
   * newer format to an older gateway.
   */
  snapshotFormats: z.array(z.string().min(1).max(32)).max(16).optional(),
});

export const ackSchema = z.strictObject({ type: z.literal('ack'), v, stream: streamId, epoch, seq });

export const resyncSchema = z.strictObject({
  type: z.literal('resync'),
  v,
  stream: streamId,
  reason: z.string().max(200),
});

const batchId = z.string().min(1).max(128);

/**
 * The events of a batch, each one checked as threatEventSchema says: by the hand-written check (the gateway's hot
 * path), and by the schema itself only for an event the check refuses, to name the issue.
 */
const threatEvents = z
  .array(z.unknown())
  .min(1)
  .max(MAX_EVENTS_PER_BATCH)
  .transform((events, ctx) => {
    const checked: ThreatEvent[] = [];
    for (let index = 0; index < events.length; index++) {
      const event = checkThreatEvent(events[index]);
      if (event !== null) {
        checked.push(event);
        continue;
      }
      const result = threatEventSchema.safeParse(events[index]);
      if (result.success) checked.push(result.data);
      else
        for (const issue of result.error.issues)
          ctx.addIssue({ code: 'custom', path: [index, ...issue.path], message: issue.message });
    }
    return checked;
  });

/** A batch of threat events, each one checked with threatEventSchema. */
export const eventsSchema = z.strictObject({
  type: z.literal('events'),
  v,
  batchId,
  events: threatEvents,
});

/**
 * An events message whose events are not looked into: when eventsSchema fails and this passes, only events are
 * wrong, and the batch (not the connection) is refused (parse.ts, `invalid_events`).
 */
export const eventsEnvelopeSchema = z.strictObject({
  type: z.literal('events'),
  v,
  batchId,
  events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_BATCH),
});

export const clientMessageSchema = z.discriminatedUnion('type', [
  helloSchema,
  ackSchema,
  resyncSchema,
  eventsSchema,
]);

// Server -> agent.

export const welcomeSchema = z.strictObject({
  type: z.literal('welcome'),
  v,
  firewallId: uuid,
  streams: z.array(streamId).max(MAX_STREAMS_PER_AGENT),
  pingIntervalMs: z.number().int().min(1000).max(600000),
});

/**
 * A snapshot may hold 100,000 entries: zod only checks that they are an array, and the hand-written entry check
 * (entry-check.ts) does the rest, one pass with the duplicate-key check.
 */
const snapshotEntries = z.custom<StreamEntry[]>((value) => Array.isArray(value), {
  message: 'must be an array',
});

export const snapshotSchema = z
  .strictObject({
    type: z.literal('snapshot'),
    v,
    stream: streamId,
    epoch,
    seq,
    checksum,
    entries: snapshotEntries,
  })
  .superRefine((message, ctx) => {
    if (parseStreamId(message.stream) === null) return; // reported on `stream` already
    const kind = streamKindOf(message.stream);
    const keys = new Set<string>();
    for (let index = 0; index < message.entries.length; index++) {
      const item = message.entries[index];
      const issue = entryIssue(kind, item);
      if (issue !== null) {
        ctx.addIssue({ code: 'custom', path: ['entries', index, ...issue.path], message: issue.message });
      } else if (keys.has(item!.key)) {
        ctx.addIssue({ code: 'custom', path: ['entries', index, 'key'], message: 'duplicate key' });
      } else {
        keys.add(item!.key);
      }
    }
  });

const upsertDelta = z.strictObject({
  seq: seq.min(1),
  op: z.literal('upsert'),
  key: z.string().min(1),
  entry,
});
const removeDelta = z.strictObject({ seq: seq.min(1), op: z.literal('remove'), key: z.string().min(1) });
export const deltaSchema = z.discriminatedUnion('op', [upsertDelta, removeDelta]);

export const deltasSchema = z
  .strictObject({
    type: z.literal('deltas'),
    v,
    stream: streamId,
    epoch,
    fromSeq: seq.min(1),
    toSeq: seq.min(1),
    checksum,
    deltas: z.array(deltaSchema).min(1),
  })
  .superRefine((message, ctx) => {
    if (message.deltas.length !== message.toSeq - message.fromSeq + 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['deltas'],
        message: `must hold exactly the seqs ${message.fromSeq}..${message.toSeq}`,
      });
      return;
    }
    message.deltas.forEach((delta, index) => {
      if (delta.seq !== message.fromSeq + index) {
        ctx.addIssue({
          code: 'custom',
          path: ['deltas', index, 'seq'],
          message: `must be ${message.fromSeq + index}`,
        });
      }
    });
    const upserts = message.deltas.flatMap((delta, index) =>
      delta.op === 'upsert' ? [{ delta, index }] : [],
    );
    checkEntries(
      message.stream,
      upserts.map(({ delta }) => delta.entry),
      [],
      ctx,
      (position) => ['deltas', upserts[position]!.index, 'entry'],
    );
    for (const { delta, index } of upserts) {
      if (delta.entry.key !== delta.key) {
        ctx.addIssue({ code: 'custom', path: ['deltas', index, 'key'], message: 'must equal entry.key' });
      }
    }
  });

export const streamsSchema = z.strictObject({
  type: z.literal('streams'),
  v,
  streams: z.array(streamId).max(MAX_STREAMS_PER_AGENT),
});

/** The batch is durable on the service: the agent may forget it. */
export const eventsAckSchema = z.strictObject({
  type: z.literal('eventsAck'),
  v,
  batchId,
});

/**
 * The `error` codes about an events batch (they name the batch in `batchId`):
 * - `events_retry_later`: not accepted now (storage unreachable, too many batches in flight); keep the batch and
 *   send it again after a backoff.
 * - `events_invalid`: an event does not follow threatEventSchema; the batch will never be accepted as it is.
 */
export const EVENTS_ERROR_CODES = {
  retryLater: 'events_retry_later',
  invalid: 'events_invalid',
} as const;

export const errorSchema = z.strictObject({
  type: z.literal('error'),
  v,
  code: z.string().min(1).max(64),
  message: z.string().max(1000),
  /** The events batch the error is about, if it is about one. */
  batchId: batchId.optional(),
});

export const serverMessageSchema = z.discriminatedUnion('type', [
  welcomeSchema,
  snapshotSchema,
  deltasSchema,
  streamsSchema,
  eventsAckSchema,
  errorSchema,
]);

export type HelloMessage = z.infer<typeof helloSchema>;
export type AckMessage = z.infer<typeof ackSchema>;
export type ResyncMessage = z.infer<typeof resyncSchema>;
export type EventsMessage = z.infer<typeof eventsSchema>;
export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type WelcomeMessage = z.infer<typeof welcomeSchema>;
export type SnapshotMessage = z.infer<typeof snapshotSchema>;
export type Delta = z.infer<typeof deltaSchema>;
export type DeltasMessage = z.infer<typeof deltasSchema>;
export type StreamsMessage = z.infer<typeof streamsSchema>;
export type EventsAckMessage = z.infer<typeof eventsAckSchema>;
export type ErrorMessage = z.infer<typeof errorSchema>;
export type ServerMessage = z.infer<typeof serverMessageSchema>;

export const CLIENT_MESSAGE_TYPES = ['hello', 'ack', 'resync', 'events'] as const;
export const SERVER_MESSAGE_TYPES = [
  'welcome',
  'snapshot',
  'deltas',
  'streams',
  'eventsAck',
  'error',
] as const;

/** Validates entries against the kind of `stream`, reporting each bad one at `pathOf(position)`. */
export function checkEntries(
  stream: string,
  entries: readonly unknown[],
  basePath: (string | number)[],
  ctx: z.RefinementCtx,
  pathOf: (position: number) => (string | number)[] = (position) => [...basePath, position],
): void {
  if (parseStreamId(stream) === null) return; // reported on `stream` already
  const kind = streamKindOf(stream);
  for (let position = 0; position < entries.length; position++) {
    const issue = entryIssue(kind, entries[position]);
    if (issue !== null)
      ctx.addIssue({ code: 'custom', path: [...pathOf(position), ...issue.path], message: issue.message });
  }
}
