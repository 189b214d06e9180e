import { Injectable } from '@nestjs/common';
import type { ApiKeyPrincipal } from '@threatline/auth';
import { ApiKeyRole } from '@threatline/db';
import { ForbiddenException, NotFoundException, ValidationException } from '@threatline/errors';
import {
  Connection,
  decodeCursor,
  encodeCursor,
  isUuid,
  PageArgs,
  pageSizeOf,
  toConnection,
} from '@threatline/graphql-kit';
import { Clock } from '../clock';
import { BUCKET_MS, ThreatEventBucket } from '../models/enums';
import { ThreatEventModel } from '../models/threat-event.model';
import { ThreatEventSummaryModel } from '../models/threat-event-summary.model';
import { DAY_MS } from '../partitions/partition-days';
import { SummaryCountsService } from '../rollup/summary-counts.service';
import type { EventPosition, ResolvedEventQuery, TenantHorizon, ThreatEventFilter } from './event-query';
import { toThreatEventModel } from './threat-event.mapper';
import { TenantRetention, ThreatEventQueryRepository, ThreatEventRow } from './threat-event-query.repository';
import { toSummaryModel } from './threat-event-summary.mapper';

/** Points a summary's time series may have: a day by the minute, a month by the hour. */
export const MAX_SERIES_POINTS = 1500;
export const DEFAULT_TOP = 10;
export const MAX_TOP = 100;
/** Events one export returns at most (the default too). */
export const MAX_EXPORT_ROWS = 1_000_000;
/** Events read per query while exporting. */
export const EXPORT_BATCH = 2000;

export interface SummaryArgs {
  tenantId?: string | null;
  from?: Date | null;
  to?: Date | null;
  bucket?: ThreatEventBucket | null;
  top?: number | null;
}

const TEXT_LIMITS: Partial<Record<keyof ThreatEventFilter, number>> = {
  auditId: 64,
  indicator: 4096,
  endpointHost: 255,
  endpointUser: 255,
};

/**
 * Reading threat events, always inside the caller's scope: a fleet admin or read-only key its tenant, an MDR
 * analyst the tenants its provider serves. An id of anything outside the scope answers exactly as an unknown id.
 */
@Injectable()
export class ThreatEventsService {
  constructor(
    private readonly repository: ThreatEventQueryRepository,
    private readonly summaryCounts: SummaryCountsService,
    private readonly clock: Clock,
  ) {}

  async list(
    caller: ApiKeyPrincipal,
    filter: ThreatEventFilter,
    page: PageArgs,
  ): Promise<Connection<ThreatEventModel>> {
    const size = pageSizeOf(page);
    const query = await this.resolve(caller, filter);
    const after = page.after ? decodePosition(page.after) : undefined;
    const rows = query ? await this.repository.page(query, after, size + 1) : [];
    return toConnection(rows, size, toThreatEventModel, (row) =>
      encodeCursor([row.occurredAt.toISOString(), row.id]),
    );
  }

  async summary(caller: ApiKeyPrincipal, args: SummaryArgs): Promise<ThreatEventSummaryModel> {
    const to = args.to ?? this.clock.now();
    const from = args.from ?? new Date(to.getTime() - DAY_MS);
    const bucket = args.bucket ?? ThreatEventBucket.HOUR;
    const top = args.top ?? DEFAULT_TOP;
    if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) {
      throw new ValidationException(`\`top\` must be 1 to ${MAX_TOP}.`, { field: 'top' });
    }
    const points = Math.ceil((to.getTime() - from.getTime()) / BUCKET_MS[bucket]) + 1;
    if (points > MAX_SERIES_POINTS) {
      throw new ValidationException(
        `The range holds ${points} buckets of ${bucket}; at most ${MAX_SERIES_POINTS}: choose a wider bucket.`,
        { field: 'bucket' },
      );
    }
    const query = await this.resolve(caller, { tenantId: args.tenantId, from, to });
    const rows = query ? await this.summaryCounts.count(query.tenants, from, to, BUCKET_MS[bucket], top) : [];
    const firewallIds = rows.flatMap((row) =>
      row.dimension === 'firewall' && row.firewallId ? [row.firewallId] : [],
    );
    const firewalls = query
      ? await this.repository.firewalls(
          query.tenants.map((tenant) => tenant.tenantId),
          firewallIds,
        )
      : [];
    return toSummaryModel({ from, to, bucket }, rows, firewalls);
  }

  /**
   * Checks an export's filter (errors surface before the first byte is sent), then returns its events in batches,
   * newest first, each batch read when the previous one has been consumed.
   */
  async export(
    caller: ApiKeyPrincipal,
    filter: ThreatEventFilter,
    limit = MAX_EXPORT_ROWS,
  ): Promise<AsyncIterable<ThreatEventRow[]>> {
    const query = await this.resolve(caller, filter);
    const repository = this.repository;
    return (async function* batches() {
      if (!query) return;
      let left = limit;
      let after: EventPosition | undefined;
      while (left > 0) {
        const take = Math.min(EXPORT_BATCH, left);
        const rows = await repository.page(query, after, take);
        if (rows.length > 0) yield rows;
        if (rows.length < take) return;
        left -= rows.length;
        const last = rows[rows.length - 1]!;
        after = { occurredAt: last.occurredAt, id: last.id };
      }
    })();
  }

  /** The filter inside the caller's scope, or null when the scope holds no tenant. */
  private async resolve(
    caller: ApiKeyPrincipal,
    filter: ThreatEventFilter,
  ): Promise<ResolvedEventQuery | null> {
    checkText(filter);
    let tenants = await this.scopeOf(caller);
    const ids = () => tenants.map((tenant) => tenant.tenantId);
    const only = (tenantId: string) => tenants.filter((tenant) => tenant.tenantId === tenantId);
    if (filter.tenantId) {
      const tenantId = filter.tenantId;
      if (!isUuid(tenantId) || only(tenantId).length === 0) throw new NotFoundException('Tenant', tenantId);
      tenants = only(tenantId);
    }
    const query: Omit<ResolvedEventQuery, 'tenants'> = {};
    if (filter.firewallId) {
      const firewallId = filter.firewallId;
      const tenantId = isUuid(firewallId) ? await this.repository.firewallTenant(ids(), firewallId) : null;
      if (!tenantId) throw new NotFoundException('Firewall', firewallId);
      tenants = only(tenantId);
      query.firewallId = firewallId;
    }
    if (filter.groupId) {
      const groupId = filter.groupId;
      const tree = isUuid(groupId) ? await this.repository.groupTree(ids(), groupId) : null;
      if (!tree) throw new NotFoundException('FirewallGroup', groupId);
      tenants = only(tree.tenantId);
      query.groupIds = tree.ids;
    }
    if (filter.from && filter.to && filter.from.getTime() >= filter.to.getTime()) {
      throw new ValidationException('`from` must be before `to`.', { field: 'from' });
    }
    if (tenants.length === 0) return null;
    if (filter.auditId) query.auditId = filter.auditId;
    if (filter.indicator) query.indicator = filter.indicator;
    if (filter.source) query.source = filter.source;
    if (filter.action) query.action = filter.action;
    if (filter.direction) query.direction = filter.direction;
    if (filter.module) query.module = filter.module;
    if (filter.dryRun !== null && filter.dryRun !== undefined) query.dryRun = filter.dryRun;
    if (filter.from) query.from = filter.from;
    if (filter.to) query.to = filter.to;
    if (filter.endpointHost) query.endpointHost = filter.endpointHost;
    if (filter.endpointUser) query.endpointUser = filter.endpointUser;
    return { tenants, ...query };
  }

  private async scopeOf(caller: ApiKeyPrincipal): Promise<TenantHorizon[]> {
    let retentions: TenantRetention[];
    switch (caller.role) {
      case ApiKeyRole.FLEET_ADMIN:
      case ApiKeyRole.READ_ONLY:
        retentions = caller.tenantId ? await this.repository.tenantRetentions([caller.tenantId]) : [];
        break;
      case ApiKeyRole.MDR_ANALYST:
        retentions = caller.providerId
          ? await this.repository.providerTenantRetentions(caller.providerId)
          : [];
        break;
      case ApiKeyRole.OPERATOR:
        throw new ForbiddenException('Operators read no tenant events.');
    }
    const now = this.clock.now().getTime();
    return retentions.map(({ tenantId, retentionDays }) => ({
      tenantId,
      horizon: new Date(now - retentionDays * DAY_MS),
    }));
  }
}

function decodePosition(cursor: string): EventPosition {
  const [occurredAt, id] = decodeCursor(cursor, 2);
  const at = new Date(String(occurredAt));
  if (Number.isNaN(at.getTime()) || typeof id !== 'string' || !isUuid(id)) {
    throw new ValidationException('The cursor `after` is not one this API issued.', { field: 'after' });
  }
  return { occurredAt: at, id };
}

function checkText(filter: ThreatEventFilter): void {
  for (const [field, max] of Object.entries(TEXT_LIMITS) as [keyof ThreatEventFilter, number][]) {
    const value = filter[field];
    if (typeof value === 'string' && value.length > max) {
      throw new ValidationException(`\`${field}\` must be at most ${max} characters.`, { field });
    }
  }
}
