import type { FeedSource, FeedStatus } from '@threatline/db';
import type { RejectedLine } from '../feed-lines';

/** The 202 answer to a push or an X-Ops import (contract section 4). */
export interface FeedAcceptedResponse {
  feedId: string;
  auditId: string;
  /** Distinct indicators stored (duplicates of the request merged). */
  accepted: number;
  rejected: RejectedLine[];
}

/** `GET /api/v1/feeds/{id}`: the feed, its indicator count and its delivery. */
export interface FeedResponse {
  feedId: string;
  auditId: string;
  source: FeedSource;
  status: FeedStatus;
  description: string;
  severity: string | null;
  dryRun: boolean;
  createdAt: string;
  publishedAt: string | null;
  revokedAt: string | null;
  targets: { tenantId: string; groupId: string | null }[];
  indicatorCount: number;
  delivery: { targetedFirewalls: number; appliedFirewalls: number };
}

/** One answer of `POST /api/v1/indicators/normalize`. */
export type NormalizeResult =
  | { input: string; type: string; normalized: string; warnings?: { code: string; message: string }[] }
  | { input: string; error: string; code: string; suggestion?: string };
