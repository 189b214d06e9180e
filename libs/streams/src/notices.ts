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

/** `firewall:<id>`: the firewall changed group (its streams changed) or was deregistered (close its socket). */
export function firewallChannel(firewallId: string): string {
  return `firewall:${firewallId}`;
}

export type FirewallNoticeKind = 'moved' | 'deregistered';

export interface FirewallNotice {
  kind: FirewallNoticeKind;
}

export function encodeFirewallNotice(notice: FirewallNotice): string {
  return JSON.stringify({ kind: notice.kind });
}

/** The notice, or null when the payload is not one. */
export function parseFirewallNotice(message: Buffer | string): FirewallNotice | null {
  try {
    const value: unknown = JSON.parse(message.toString());
    const kind = (value as { kind?: unknown } | null)?.kind;
    return kind === 'moved' || kind === 'deregistered' ? { kind } : null;
  } catch {
    return null;
  }
}
