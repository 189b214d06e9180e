// Bus notices (libs/messaging PubSub). A notice only wakes a reader up: the data stays in PostgreSQL, and a lost
// notice delays nothing beyond the next one (gateways also catch up whenever an agent resumes).

import { parseStreamId, type StreamId } from '@threatline/protocol';
import type { StreamHead } from './stream-change';

/** Bucket channels the notices of per-firewall streams are spread over. */
const FIREWALL_STREAM_BUCKETS = 256;

/**
 * The bus channel of a stream's notices. A shared stream (a tenant's or a group's indicators, X-Ops, a group's
 * exclusions): `stream:<id>`, which every gateway holding the stream subscribes to. A firewall's own settings stream
 * (`set:f:<id>`) is held by that one agent: a channel of its own would cost a gateway one bus subscription per
 * connected agent, so its notices go on one of 256 `streams:set:<bucket>` channels (by a hash of the id) and name
 * the stream (see `noticeNamesStream`).
 */
export function streamChannel(streamId: StreamId): string {
  return noticeNamesStream(streamId)
    ? `streams:set:${bucketOf(streamId, FIREWALL_STREAM_BUCKETS)}`
    : `stream:${streamId}`;
}

/** Whether the stream's notices share a bucket channel (and so carry the stream id). */
export function noticeNamesStream(streamId: StreamId): boolean {
  return parseStreamId(streamId)?.kind === 'settings';
}

export interface StreamNotice {
  /** On bucket channels only: the stream the notice is about. */
  stream?: StreamId;
  epoch?: number;
  head?: number;
}

/** The notice of `streamId`'s new deltas: JSON `{epoch, head}` when the writer knew them, else `{}`. */
export function encodeStreamNotice(streamId: StreamId, head: StreamHead | undefined): string {
  const named = noticeNamesStream(streamId) ? { stream: streamId } : {};
  return JSON.stringify(head === undefined ? named : { ...named, epoch: head.epoch, head: head.head });
}

/** The notice's hint, or `{}` when the payload is not one (a notice is never trusted for data). */
export function parseStreamNotice(message: Buffer | string): StreamNotice {
  try {
    const value: unknown = JSON.parse(message.toString());
    if (typeof value !== 'object' || value === null) return {};
    const { stream, epoch, head } = value as Record<string, unknown>;
    return {
      ...(typeof stream === 'string' ? { stream } : {}),
      ...(Number.isSafeInteger(epoch) ? { epoch: epoch as number } : {}),
      ...(Number.isSafeInteger(head) ? { head: head as number } : {}),
    };
  } catch {
    return {};
  }
}

/** FNV-1a of the id, modulo `buckets`: the same bucket in every process. */
function bucketOf(id: string, buckets: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % buckets;
}

/**
 * `firewalls:<tenantId>`: a firewall of the tenant changed group (its streams changed) or was deregistered (close its
 * socket). One channel per tenant, not per firewall: a gateway holding 20,000 agents subscribes once per tenant
 * instead of once per agent (each subscription costs the gateway memory and Redis a channel), and ignores notices
 * for firewalls it does not hold.
 */
export function tenantFirewallsChannel(tenantId: string): string {
  return `firewalls:${tenantId}`;
}

export type FirewallNoticeKind = 'moved' | 'deregistered';

export interface FirewallNotice {
  firewallId: string;
  kind: FirewallNoticeKind;
}

export function encodeFirewallNotice(notice: FirewallNotice): string {
  return JSON.stringify({ firewallId: notice.firewallId, kind: notice.kind });
}

/** The notice, or null when the payload is not one. */
export function parseFirewallNotice(message: Buffer | string): FirewallNotice | null {
  try {
    const value = JSON.parse(message.toString()) as { firewallId?: unknown; kind?: unknown } | null;
    const firewallId = value?.firewallId;
    const kind = value?.kind;
    if (typeof firewallId !== 'string') return null;
    return kind === 'moved' || kind === 'deregistered' ? { firewallId, kind } : null;
  } catch {
    return null;
  }
}
