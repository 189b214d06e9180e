import { FeedSource } from '@threatline/db';
import { mdrGroupStreamId, mdrTenantStreamId, XOPS_STREAM_ID, type StreamId } from '@threatline/protocol';

export interface FeedTargetRef {
  tenantId: string;
  groupId: string | null;
}

/** The stream that carries a target's indicators: the tenant's MDR stream, or the named group's. */
export function targetStreamId(target: FeedTargetRef): StreamId {
  return target.groupId === null ? mdrTenantStreamId(target.tenantId) : mdrGroupStreamId(target.groupId);
}

/**
 * The streams a feed is published to, sorted: one per target for MDR (a group target is that group only, never
 * its child groups), the global X-Ops stream for XOPS.
 */
export function feedStreamIds(source: FeedSource, targets: readonly FeedTargetRef[]): StreamId[] {
  if (source === FeedSource.XOPS) return [XOPS_STREAM_ID];
  return [...new Set(targets.map(targetStreamId))].sort();
}
