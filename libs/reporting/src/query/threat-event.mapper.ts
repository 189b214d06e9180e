import {
  ThreatEventAction,
  ThreatEventDirection,
  ThreatEventField,
  ThreatEventIndicatorType,
  ThreatEventModule,
  ThreatEventModuleAction,
  ThreatEventSource,
} from '../models/enums';
import { ThreatEventModel } from '../models/threat-event.model';
import type { ThreatEventRow } from './threat-event-query.repository';

/** "dropped", "logged", or "dry run" (seed 003's action_result). */
export function actionResultOf(row: Pick<ThreatEventRow, 'action' | 'dryRun'>): string {
  if (row.dryRun) return 'dry run';
  return row.action === 'drop' ? 'dropped' : 'logged';
}

/** What happened in words; a dry run says what would have been done (seed 003: "Would have taken ..."). */
export function messageOf(row: Pick<ThreatEventRow, 'action' | 'dryRun' | 'moduleAction'>): string {
  if (row.dryRun) return `Would have taken action: ${row.moduleAction === 'LOG_AND_DROP' ? 'drop' : 'log'}`;
  return `Took action: ${row.action}`;
}

// The CHECK constraint of threat_event admits exactly the values of these enums, so the casts below hold.
export function toThreatEventModel(row: ThreatEventRow): ThreatEventModel {
  const hasEndpoint = row.endpointHost !== null || row.endpointUser !== null || row.endpointProcess !== null;
  return {
    id: row.id,
    occurredAt: row.occurredAt,
    receivedAt: row.receivedAt,
    tenantId: row.tenantId,
    firewallId: row.firewallId,
    groupId: row.groupId,
    firewall:
      row.firewallSerial === null
        ? null
        : { id: row.firewallId, serial: row.firewallSerial, hostname: row.firewallHostname },
    auditId: row.auditId,
    feed:
      row.feedSource === null
        ? null
        : {
            auditId: row.auditId,
            description: row.feedDescription ?? '',
            source: row.feedSource as ThreatEventSource,
            dryRun: row.feedDryRun ?? false,
          },
    source: row.source as ThreatEventSource,
    module: row.module as ThreatEventModule,
    action: row.action as ThreatEventAction,
    dryRun: row.dryRun,
    actionResult: actionResultOf(row),
    message: messageOf(row),
    moduleAction: row.moduleAction as ThreatEventModuleAction,
    direction: row.direction as ThreatEventDirection,
    field: row.field as ThreatEventField,
    indicator: row.indicator,
    indicatorType: row.indicatorType as ThreatEventIndicatorType,
    srcIp: row.srcIp,
    dstIp: row.dstIp,
    domain: row.domain,
    url: row.url,
    endpoint: hasEndpoint
      ? { host: row.endpointHost, user: row.endpointUser, process: row.endpointProcess }
      : null,
  };
}
