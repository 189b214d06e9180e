import { randomUUID } from 'node:crypto';
import { fitEventText, THREAT_EVENT_TEXT_LIMITS as LIMITS, type ThreatEvent } from '@threatline/protocol';
import type { Decision, Match, Traffic } from '@threatline/matcher';
import type { AgentSettings } from '../model/settings';
import type { EventModule } from '../decision/traffic-input';

/** An Active threat response event (contract section 8), as libs/protocol defines and the service validates it.
 *  The firewall id is not in it: the service takes it from the authenticated connection. */
export type { ThreatEvent };

/** One event per reported match of a log or drop decision (an allow produces none). */
export function eventsOf(
  decision: Decision,
  traffic: Traffic,
  settings: AgentSettings,
  module: EventModule | undefined,
  now = new Date(),
): ThreatEvent[] {
  if (decision.action === 'allow') return [];
  const occurredAt = now.toISOString();
  return decision.matches.map((match) => {
    const event: ThreatEvent = {
      id: randomUUID(),
      occurredAt,
      auditId: fitEventText(match.auditId, LIMITS.auditId),
      source: match.source,
      module: module ?? moduleOf(match.field, traffic),
      action: match.action,
      dryRun: match.dryRun,
      moduleAction: match.source === 'MDR' ? settings.mdr.action : settings.xops.action,
      direction: traffic.direction,
      field: match.field,
      indicator: fitEventText(match.indicator, LIMITS.indicator),
      indicatorType: indicatorTypeOf(match),
      srcIp: fitEventText(traffic.srcIp, LIMITS.srcIp),
      dstIp: fitEventText(traffic.dstIp, LIMITS.dstIp),
    };
    // What the caller gave is fitted to the wire schema: one odd request must not make its batch invalid.
    if (traffic.domain !== undefined) event.domain = fitEventText(traffic.domain, LIMITS.domain);
    if (traffic.url !== undefined) event.url = fitEventText(traffic.url, LIMITS.url);
    // Seed 000: the endpoint's host, user and process appear only when the action is log and drop.
    if (
      match.action === 'drop' &&
      traffic.endpoint !== undefined &&
      Object.keys(traffic.endpoint).length > 0
    ) {
      event.endpoint = {};
      for (const key of ['host', 'user', 'process'] as const) {
        const value = traffic.endpoint[key];
        if (value !== undefined) event.endpoint[key] = fitEventText(value, LIMITS[key]);
      }
    }
    return event;
  });
}

/** IP matches come from the firewall module, a domain without a URL from DNS, URLs from the web module. */
function moduleOf(field: Match['field'], traffic: Traffic): EventModule {
  if (field === 'srcIp' || field === 'dstIp') return 'firewall';
  if (field === 'domain' && traffic.url === undefined) return 'dns';
  return 'web';
}

/** Normalized values tell their type: networks and URLs hold a '/', domains and addresses do not. */
function indicatorTypeOf(match: Match): ThreatEvent['indicatorType'] {
  const slash = match.indicator.includes('/');
  switch (match.field) {
    case 'srcIp':
    case 'dstIp':
      return slash ? 'cidr' : 'ipv4';
    case 'domain':
      return 'domain';
    case 'url':
      return slash ? 'url' : 'domain';
  }
}
