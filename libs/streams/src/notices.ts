// Bus notices (libs/messaging PubSub). A notice only wakes a reader up: the data stays in PostgreSQL, and a lost
// notice delays nothing beyond the next one (gateways also catch up whenever an agent resumes).

import type { StreamId } from '@threatline/protocol';
import type { StreamHead } from './stream-change';

/** `stream:<id>`: the stream has new deltas (payload: JSON `{epoch, head}` when the writer knew them, else `{}`). */
export function streamChannel(streamId: StreamId): string {
  return `stream:${streamId}`;
}

export interface StreamNotice {
  epoch?: number;
  head?: number;
}

export function encodeStreamNotice(head: StreamHead | undefined): string {
  return head === undefined ? '{}' : JSON.stringify({ epoch: head.epoch, head: head.head });
}

/** The notice's hint, or `{}` when the payload is not one (a notice is never trusted for data). */
export function parseStreamNotice(message: Buffer | string): StreamNotice {
  try {
    const value: unknown = JSON.parse(message.toString());
    if (typeof value !== 'object' || value === null) return {};
    const { epoch, head } = value as Record<string, unknown>;
    return {
      ...(Number.isSafeInteger(epoch) ? { epoch: epoch as number } : {}),
      ...(Number.isSafeInteger(head) ? { head: head as number } : {}),
    };
  } catch {
    return {};
  }
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
