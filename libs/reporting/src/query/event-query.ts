import type {
  ThreatEventAction,
  ThreatEventDirection,
  ThreatEventModule,
  ThreatEventSource,
} from '../models/enums';

/** A tenant whose events a caller may read, and the oldest instant its retention keeps. */
export interface TenantHorizon {
  tenantId: string;
  horizon: Date;
}

/** The filters of an event list, the summary and the export, as callers give them (validated by the transport). */
export interface ThreatEventFilter {
  /** For MDR analysts: one of the tenants its provider serves (a fleet admin may name only its own). */
  tenantId?: string | null;
  auditId?: string | null;
  firewallId?: string | null;
  /** A group and the groups nested in it. */
  groupId?: string | null;
  indicator?: string | null;
  source?: ThreatEventSource | null;
  action?: ThreatEventAction | null;
  direction?: ThreatEventDirection | null;
  module?: ThreatEventModule | null;
  dryRun?: boolean | null;
  /** Inclusive. */
  from?: Date | null;
  /** Exclusive. */
  to?: Date | null;
  /** The endpoint's hostname, case-insensitive. */
  endpointHost?: string | null;
  /** The endpoint's user, case-insensitive. */
  endpointUser?: string | null;
}

/** A filter checked against the caller's scope: what the repository runs. */
export interface ResolvedEventQuery {
  /** Never empty: a caller with no tenant gets an empty answer without a query. */
  tenants: TenantHorizon[];
  auditId?: string;
  firewallId?: string;
  groupIds?: string[];
  indicator?: string;
  source?: ThreatEventSource;
  action?: ThreatEventAction;
  direction?: ThreatEventDirection;
  module?: ThreatEventModule;
  dryRun?: boolean;
  from?: Date;
  to?: Date;
  endpointHost?: string;
  endpointUser?: string;
}

/** Keyset position in (occurredAt desc, id desc) order: the last event of the previous page. */
export interface EventPosition {
  occurredAt: Date;
  id: string;
}
