// `npm run bench -- feeds`: feeds.publish_100k and its neighbours. An analyst pushes 100,000 indicators to one
// tenant through the REST API of the built standalone process (API and publish worker on PostgreSQL and Redis);
// the figures are the push's 202 (the feed durable) and the time from that 202 until the publish job committed
// the stream deltas and sent the stream notice (read from Redis, as a gateway would). Then a second 100k push
// half of which the tenant already holds (the newer feed takes over those keys), and the revocations of both.
import { parseIndicator } from '@threatline/ioc';
import { mdrTenantStreamId } from '@threatline/protocol';
import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { recordResults, type BenchEntry } from './results';
import {
  benchEnvironment,
  makeAnalystKey,
  makeFleet,
  REDIS_URL,
  round1,
  sleep,
  startService,
  wallClock,
} from './stream-setup';
import { URLHAUS_FILE } from './matcher-urlhaus';

const INDICATORS = 100_000;
/** A step that takes longer than this is recorded as failed to finish (the figure is then a lower bound). */
const STEP_DEADLINE_MS = Number(process.env.BENCH_FEEDS_DEADLINE_S ?? 600) * 1000;
const TARGET = 'a few seconds on 2 cores';

/**
 * URLhaus values (as a push would carry them; only those that normalize to distinct indicators, so `accepted`
 * counts every line) followed by generated domains, IPv4 addresses and URLs.
 */
function indicatorValues(count: number, salt: number): string[] {
  const values = new Set<string>();
  const normalized = new Set<string>();
  for (const line of readFileSync(URLHAUS_FILE, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('!')) continue;
    const value = line.startsWith('||') ? line.slice(2).replace(/\^(\$.*)?$/, '') : line;
    const parsed = parseIndicator(value);
    if (!parsed.ok || normalized.has(`${parsed.type}:${parsed.normalized}`)) continue;
    normalized.add(`${parsed.type}:${parsed.normalized}`);
    values.add(value);
  }
  for (let i = 0; values.size < count; i++) {
    switch (i % 3) {
      case 0:
        values.add(`host-${i}.s${salt}.example`);
        break;
      case 1:
        values.add(`10.${salt}.${(i >> 8) & 255}.${i & 255}`);
        break;
      default:
        values.add(`dl-${i % 997}.s${salt}.example/payload/${i}.bin`);
    }
  }
  return [...values].slice(0, count);
}

interface Step {
  acceptedMs: number;
  settledMs: number;
  finished: boolean;
  head: number;
}

async function main(): Promise<void> {
  const environment = await benchEnvironment();
  const subscriber = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let server;
  try {
    const { prisma } = environment.database;
    const fleet = await makeFleet(prisma, 1, 1);
    const tenantId = fleet.tenantIds[0]!;
    const analystKey = await makeAnalystKey(prisma, fleet.tenantIds);
    server = await startService('standalone', environment.database.url, environment.queuePrefix);
    const streamId = mdrTenantStreamId(tenantId);

    // The stream notice (`<prefix>:stream:<id>`, head in its body) marks the end of a publication.
    const notices: { at: number; head: number }[] = [];
    subscriber.on('smessage', (_channel: string, message: string) => {
      const head = (JSON.parse(message) as { head?: number }).head ?? 0;
      notices.push({ at: wallClock(), head });
    });
    await subscriber.ssubscribe(`${environment.queuePrefix}:stream:${streamId}`);

    const settled = async (
      feedId: string,
      status: string,
      expectedHead: number,
      startedAt: number,
    ): Promise<Step> => {
      const deadline = Date.now() + STEP_DEADLINE_MS;
      for (;;) {
        const feed = await prisma.feed.findUnique({ where: { id: feedId }, select: { status: true } });
        const notice = notices.find((n) => n.head >= expectedHead);
        if (feed?.status === status && (notice || expectedHead === 0)) {
          const stream = await prisma.stream.findUnique({ where: { id: streamId } });
          const at = notice?.at ?? wallClock();
          return { acceptedMs: 0, settledMs: at - startedAt, finished: true, head: Number(stream?.headSeq) };
        }
        if (Date.now() > deadline) {
          const stream = await prisma.stream.findUnique({ where: { id: streamId } });
          return {
            acceptedMs: 0,
            settledMs: wallClock() - startedAt,
            finished: false,
            head: Number(stream?.headSeq),
          };
        }
        await sleep(20);
      }
    };

    const push = async (values: string[], expectedHead: number): Promise<Step & { feedId: string }> => {
      const body = JSON.stringify({ tenantIds: [tenantId], indicators: values.map((value) => ({ value })) });
      const sentAt = wallClock();
      const response = await fetch(`${server!.url}/api/v1/feeds`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${analystKey}` },
        body,
      });
      const at = wallClock();
      if (response.status !== 202)
        throw new Error(`push answered ${response.status}: ${await response.text()}`);
      const { feedId, accepted } = (await response.json()) as { feedId: string; accepted: number };
      if (accepted !== values.length) throw new Error(`accepted ${accepted} of ${values.length}`);
      const step = await settled(feedId, 'PUBLISHED', expectedHead, at);
      return { ...step, acceptedMs: at - sentAt, feedId };
    };

    const revoke = async (feedId: string, expectedHead: number): Promise<Step> => {
      const sentAt = wallClock();
      const response = await fetch(`${server!.url}/api/v1/feeds/${feedId}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${analystKey}` },
      });
      const at = wallClock();
      if (response.status !== 202)
        throw new Error(`revoke answered ${response.status}: ${await response.text()}`);
      const step = await settled(feedId, 'REVOKED', expectedHead, at);
      return { ...step, acceptedMs: at - sentAt };
    };

    const first = indicatorValues(INDICATORS, 1);
    // Half of the second push is already held (from the first), half is new.
    const second = [
      ...first.slice(0, INDICATORS / 2),
      ...indicatorValues(INDICATORS, 2).slice(-INDICATORS / 2),
    ];

    const a = await push(first, INDICATORS);
    console.log('push A', a);
    const b = await push(second, 2 * INDICATORS);
    console.log('push B (half overlapping)', b);
    // Revoking A removes the half only A holds; B keeps the other half.
    const revokeA = await revoke(a.feedId, 2 * INDICATORS + INDICATORS / 2);
    console.log('revoke A', revokeA);
    const revokeB = await revoke(b.feedId, 3 * INDICATORS + INDICATORS / 2);
    console.log('revoke B', revokeB);

    const stream = await prisma.stream.findUnique({ where: { id: streamId } });
    const duplicates = await prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) - count(DISTINCT (key, op, entry::text)) AS n FROM stream_delta WHERE stream_id = ${streamId}`;
    const check =
      `final head ${Number(stream?.headSeq)} (expected ${3 * INDICATORS + INDICATORS / 2}), ` +
      `${stream?.entryCount} entries left, ${Number(duplicates[0]?.n ?? 0)} repeated deltas`;
    console.log(check);

    const entry = (name: string, step: Step, what: string): BenchEntry => ({
      name,
      unit: 'ms',
      value: round1(step.settledMs),
      target: TARGET,
      note:
        `${what}; 202 after ${round1(step.acceptedMs)} ms, then ${round1(step.settledMs)} ms until the stream ` +
        `notice of the committed deltas${step.finished ? '' : ` (NOT FINISHED within ${STEP_DEADLINE_MS / 1000} s; head ${step.head})`}. ` +
        `Standalone process on PostgreSQL and Redis; load average ${loadavg()[0]!.toFixed(1)} at the end (2 shared cores). ${check}.`,
    });
    recordResults([
      {
        name: 'feeds.publish_100k.accepted',
        unit: 'ms',
        value: round1(a.acceptedMs),
        note: 'POST /api/v1/feeds with 100,000 indicators (URLhaus + generated) until the 202: validated, normalized, stored.',
      },
      entry('feeds.publish_100k', a, '100,000 new indicators to a tenant stream'),
      entry(
        'feeds.publish_100k_overlap',
        b,
        '100,000 indicators, 50,000 of them already held by an older feed',
      ),
      entry(
        'feeds.revoke_100k_overlap',
        revokeA,
        'revoking the older feed: 50,000 removed, 50,000 kept by the newer',
      ),
      entry('feeds.revoke_100k', revokeB, 'revoking a 100,000-indicator feed: every entry removed'),
    ]);
  } finally {
    subscriber.disconnect();
    await server?.stop();
    await environment.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
