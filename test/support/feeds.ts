import { ApiKeyRole, PrismaClient } from '@threatline/db';
import type { TestApi } from '@threatline/http/testing';
import { stateChecksumOf, type IndicatorEntry } from '@threatline/protocol';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeApiKey, makeGroup, makeProvider, makeTenant } from './factories';

/** A tenant with a group, served by an MDR provider with an analyst key; and its admin and reader keys. */
export interface ServedTenant {
  tenantId: string;
  groupId: string;
  providerId: string;
  analystKey: string;
  adminKey: string;
  readerKey: string;
}

export async function makeServedTenant(prisma: PrismaClient): Promise<ServedTenant> {
  const tenantId = (await makeTenant(prisma)).id;
  const groupId = (await makeGroup(prisma, tenantId)).id;
  const providerId = (await makeProvider(prisma, [tenantId])).id;
  return {
    tenantId,
    groupId,
    providerId,
    analystKey: (await makeApiKey(prisma, ApiKeyRole.MDR_ANALYST, { providerId })).secret,
    adminKey: (await makeApiKey(prisma, ApiKeyRole.FLEET_ADMIN, { tenantId })).secret,
    readerKey: (await makeApiKey(prisma, ApiKeyRole.READ_ONLY, { tenantId })).secret,
  };
}

export interface Accepted {
  feedId: string;
  auditId: string;
  accepted: number;
  rejected: { index: number; value: string; reason: string; code: string; suggestion?: string }[];
}

/** POST /api/v1/feeds with the analyst's key; answers the response (any status). */
export function pushFeed(api: TestApi, analystKey: string, body: unknown, idempotencyKey?: string) {
  const request = api.http.post('/api/v1/feeds').set('Authorization', `Bearer ${analystKey}`);
  if (idempotencyKey !== undefined) void request.set('Idempotency-Key', idempotencyKey);
  return request.send(body as object);
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Waits until the feed has the status. */
export function feedStatus(api: TestApi, feedId: string, status: string, timeoutMs?: number) {
  return eventually(
    `feed ${feedId} ${status}`,
    async () => {
      const feed = await api.prisma.feed.findUnique({ where: { id: feedId }, select: { status: true } });
      return feed?.status === status ? feed : undefined;
    },
    timeoutMs,
  );
}

/** The entries of a stream, by key, after checking the stored checksum is the checksum of exactly these. */
export async function streamEntries(api: TestApi, streamId: string): Promise<Map<string, IndicatorEntry>> {
  const [stream, rows] = await Promise.all([
    api.prisma.stream.findUnique({ where: { id: streamId } }),
    api.prisma.streamEntry.findMany({ where: { streamId } }),
  ]);
  const entries = rows.map((row) => row.entry as unknown as IndicatorEntry);
  if (stream) {
    const checksum = stateChecksumOf(streamId, entries);
    if (checksum !== stream.checksum || entries.length !== stream.entryCount) {
      throw new Error(`stream ${streamId}: stored checksum/count disagree with its entries`);
    }
  }
  return new Map(entries.map((entry) => [entry.key, entry]));
}

/** Where a stream stands: its head seq and how many deltas its log holds. */
export async function streamHead(api: TestApi, streamId: string): Promise<{ head: number; deltas: number }> {
  const [stream, deltas] = await Promise.all([
    api.prisma.stream.findUnique({ where: { id: streamId } }),
    api.prisma.streamDelta.count({ where: { streamId } }),
  ]);
  return { head: Number(stream?.headSeq ?? 0), deltas };
}

/** Counts of everything a push stores, to prove a refused one stored nothing. */
export async function storedCounts(prisma: PrismaClient) {
  const [feeds, targets, indicators, audit] = await Promise.all([
    prisma.feed.count(),
    prisma.feedTarget.count(),
    prisma.feedIndicator.count(),
    prisma.auditLog.count(),
  ]);
  return { feeds, targets, indicators, audit };
}
