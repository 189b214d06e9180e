import { Injectable } from '@nestjs/common';
import { AuditService } from '@threatline/audit';
import { actorOf, ApiKeyPrincipal } from '@threatline/auth';
import { FeedSource, isUniqueViolation, Prisma } from '@threatline/db';
import { ForbiddenException, NotFoundException, ValidationException } from '@threatline/errors';
import { parseBlocklistLine, parseIndicator } from '@threatline/ioc';
import { createHash, randomUUID } from 'node:crypto';
import { newAuditId } from './audit-id';
import { parseNormalizeRequest, parsePushFeedRequest, type PushFeedRequest } from './dtos/push-feed.request';
import { FeedJobs } from './feed-jobs';
import { MAX_FEED_DESCRIPTION_LENGTH, MAX_INDICATORS_PER_FEED } from './feed-limits';
import { ReadLines, readLines } from './feed-lines';
import { FeedsException, FeedsExceptionCode } from './feeds.exception';
import { FeedsRepository, FeedTargetInput, NewFeed } from './feeds.repository';
import type { FeedAcceptedResponse, NormalizeResult } from './models/feed.response';

/** Rejected lines listed in a 422 answer (every line was rejected). */
const MAX_REJECTED_IN_ERROR = 100;
/** Attempts at a fresh audit ID when the random one was taken (practically never more than one). */
const AUDIT_ID_ATTEMPTS = 3;

/** A feed about to be stored, whatever its source. */
interface FeedDraft {
  source: FeedSource;
  providerId: string | null;
  description: string;
  severity: string | null;
  dryRun: boolean;
  targets: FeedTargetInput[];
  lines: ReadLines;
  idempotency: { key: string; requestHash: string } | null;
}

/**
 * Accepting feeds: MDR pushes and X-Ops imports are validated, normalized line by line (libs/ioc), stored with
 * their targets and indicators in one transaction (PENDING, with their audit records), answered 202, and only
 * then handed to the publish job. The answer never waits for Redis (see FeedJobs).
 */
@Injectable()
export class FeedPushService {
  constructor(
    private readonly repository: FeedsRepository,
    private readonly audit: AuditService,
    private readonly jobs: FeedJobs,
  ) {}

  /**
   * An analyst's push. With an Idempotency-Key, the first answer to the same key and body is returned again
   * (nothing new is stored) and another body under the same key is a 409.
   */
  async push(
    caller: ApiKeyPrincipal,
    body: unknown,
    rawIdempotencyKey: string | undefined,
  ): Promise<FeedAcceptedResponse> {
    const providerId = requireProvider(caller);
    const idempotency =
      rawIdempotencyKey === undefined
        ? null
        : { key: parseIdempotencyKey(rawIdempotencyKey), requestHash: hashOf(body) };
    if (idempotency) {
      const replay = await this.replay(providerId, idempotency.key, idempotency.requestHash);
      if (replay) return replay;
    }
    const request = parsePushFeedRequest(body);
    const targets = await this.resolveTargets(providerId, request);
    const lines = readLines(
      request.indicators,
      (line) => line.value,
      (line) => parseIndicator(line.value, line.type),
      (line) => ({ description: line.description, ttlSeconds: line.ttlSeconds }),
    );
    const draft: FeedDraft = {
      source: FeedSource.MDR,
      providerId,
      description: request.description ?? '',
      severity: request.severity ?? null,
      dryRun: request.dryRun ?? false,
      targets,
      lines,
      idempotency,
    };
    return this.store(caller, draft);
  }

  /** A platform operator's X-Ops load: a plain-text list, one indicator (or blocklist rule) per line. */
  async importXops(
    caller: ApiKeyPrincipal,
    text: unknown,
    rawDescription: unknown,
  ): Promise<FeedAcceptedResponse> {
    if (typeof text !== 'string' || text.length === 0) {
      throw new ValidationException('Send the list as a non-empty text/plain body, one indicator per line.', {
        field: '(body)',
      });
    }
    const lines = readLines(text.split(/\r?\n/), (line) => line, parseBlocklistLine);
    if (lines.indicators.length > MAX_INDICATORS_PER_FEED) {
      throw new FeedsException(
        FeedsExceptionCode.TOO_MANY_INDICATORS,
        `The list holds ${lines.indicators.length} indicators; at most ${MAX_INDICATORS_PER_FEED} are accepted per import.`,
        { count: lines.indicators.length, limit: MAX_INDICATORS_PER_FEED },
      );
    }
    return this.store(caller, {
      source: FeedSource.XOPS,
      providerId: null,
      description: parseDescription(rawDescription),
      severity: null,
      dryRun: false,
      targets: [],
      lines,
      idempotency: null,
    });
  }

  /** What a push would store for each value, storing nothing. */
  normalize(body: unknown): { results: NormalizeResult[] } {
    const { values } = parseNormalizeRequest(body);
    return {
      results: values.map((input): NormalizeResult => {
        const result = parseIndicator(input);
        if (!result.ok) {
          return {
            input,
            error: result.message,
            code: result.code,
            ...(result.suggestion === undefined ? {} : { suggestion: result.suggestion }),
          };
        }
        return {
          input,
          type: result.type,
          normalized: result.normalized,
          ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
        };
      }),
    };
  }

  private async store(caller: ApiKeyPrincipal, draft: FeedDraft): Promise<FeedAcceptedResponse> {
    const { indicators, rejected } = draft.lines;
    if (indicators.length === 0) {
      throw new FeedsException(
        FeedsExceptionCode.NO_VALID_INDICATORS,
        'No line is a valid indicator; nothing was stored.',
        { rejected: rejected.slice(0, MAX_REJECTED_IN_ERROR), rejectedCount: rejected.length },
      );
    }
    const feedId = randomUUID();
    for (let attempt = 1; ; attempt++) {
      const auditId = newAuditId(draft.source);
      const response: FeedAcceptedResponse = { feedId, auditId, accepted: indicators.length, rejected };
      const feed: NewFeed = {
        id: feedId,
        auditId,
        source: draft.source,
        providerId: draft.providerId,
        createdByKeyId: caller.apiKeyId,
        description: draft.description,
        severity: draft.severity,
        dryRun: draft.dryRun,
        idempotencyKey: draft.idempotency?.key ?? null,
        requestHash: draft.idempotency?.requestHash ?? null,
        response: draft.idempotency ? (response as unknown as Prisma.InputJsonValue) : null,
      };
      try {
        await this.repository.transaction(async (tx) => {
          await this.repository.createFeed(tx, feed, draft.targets, indicators);
          await this.recordAudit(tx, caller, feed, draft);
        });
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= AUDIT_ID_ATTEMPTS) throw error;
        // A concurrent request stored the same Idempotency-Key first: answer as the replay this is.
        const { idempotency, providerId } = draft;
        const replay =
          idempotency && providerId
            ? await this.replay(providerId, idempotency.key, idempotency.requestHash)
            : null;
        if (replay) return replay;
        // Otherwise the random audit ID was taken: draw another.
        continue;
      }
      await this.jobs.requestPublish(feedId);
      return response;
    }
  }

  /** One audit record per targeted tenant (each tenant's log shows what was pushed to it); one for X-Ops. */
  private async recordAudit(
    tx: Prisma.TransactionClient,
    caller: ApiKeyPrincipal,
    feed: NewFeed,
    draft: FeedDraft,
  ): Promise<void> {
    const summary = {
      auditId: feed.auditId,
      description: feed.description,
      severity: feed.severity,
      dryRun: feed.dryRun,
      indicators: draft.lines.indicators.length,
      rejected: draft.lines.rejected.length,
    };
    if (draft.source === FeedSource.XOPS) {
      await this.audit.record(tx, actorOf(caller), {
        tenantId: null,
        action: 'xops.import',
        entityType: 'Feed',
        entityId: feed.id,
        after: summary,
      });
      return;
    }
    const tenantIds = [...new Set(draft.targets.map((target) => target.tenantId))];
    for (const tenantId of tenantIds) {
      await this.audit.record(tx, actorOf(caller), {
        tenantId,
        action: 'feed.push',
        entityType: 'Feed',
        entityId: feed.id,
        after: { ...summary, targets: draft.targets.filter((target) => target.tenantId === tenantId) },
      });
    }
  }

  private async replay(
    providerId: string,
    key: string,
    requestHash: string,
  ): Promise<FeedAcceptedResponse | null> {
    const prior = await this.repository.findIdempotentAnswer(providerId, key);
    if (!prior) return null;
    if (prior.requestHash !== requestHash) {
      throw new FeedsException(
        FeedsExceptionCode.IDEMPOTENCY_KEY_REUSED,
        'This Idempotency-Key was used with another request body; use a new key for a new push.',
        { field: 'Idempotency-Key' },
      );
    }
    return prior.response as unknown as FeedAcceptedResponse;
  }

  /**
   * The push's targets. Every tenant must be served by the analyst's provider: one that is not (or does not
   * exist) is answered TENANT_NOT_FOUND, the same for both, and nothing is stored. Each group must belong to one
   * of the named tenants; a tenant named with some of its groups is targeted through those groups only, a
   * tenant named alone as a whole.
   */
  private async resolveTargets(providerId: string, request: PushFeedRequest): Promise<FeedTargetInput[]> {
    const served = await this.repository.servedTenantIds(providerId, request.tenantIds);
    const unserved = request.tenantIds.find((tenantId) => !served.has(tenantId));
    if (unserved !== undefined) throw new NotFoundException('Tenant', unserved);
    const groupIds = request.groupIds ?? [];
    const groups = groupIds.length > 0 ? await this.repository.findGroups(request.tenantIds, groupIds) : [];
    const unknownGroup = groupIds.find((groupId) => !groups.some((group) => group.id === groupId));
    if (unknownGroup !== undefined) throw new NotFoundException('FirewallGroup', unknownGroup);
    return request.tenantIds.flatMap((tenantId): FeedTargetInput[] => {
      const named = groups.filter((group) => group.tenantId === tenantId);
      return named.length > 0
        ? named.map((group) => ({ tenantId, groupId: group.id }))
        : [{ tenantId, groupId: null }];
    });
  }
}

function requireProvider(caller: ApiKeyPrincipal): string {
  if (caller.providerId === null) throw new ForbiddenException('This operation needs an MDR analyst key.');
  return caller.providerId;
}

/** Printable ASCII, 1 to 255 characters (a UUID is the usual choice). */
function parseIdempotencyKey(raw: string): string {
  if (!/^[\x21-\x7e]{1,255}$/.test(raw)) {
    throw new ValidationException('The Idempotency-Key header must be 1 to 255 printable ASCII characters.', {
      field: 'Idempotency-Key',
    });
  }
  return raw;
}

/** The same body (as parsed JSON) hashes the same; any difference in any field does not. */
function hashOf(body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(body) ?? 'undefined')
    .digest('hex');
}

function parseDescription(raw: unknown): string {
  if (raw === undefined) return '';
  const text = typeof raw === 'string' ? raw.trim() : null;
  // eslint-disable-next-line no-control-regex
  if (text === null || text.length > MAX_FEED_DESCRIPTION_LENGTH || /[\u0000-\u001f\u007f]/.test(text)) {
    throw new ValidationException(
      `\`description\` must be one line of at most ${MAX_FEED_DESCRIPTION_LENGTH} characters.`,
      { field: 'description' },
    );
  }
  return text;
}
