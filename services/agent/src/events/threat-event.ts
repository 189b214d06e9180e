import { randomUUID } from 'node:crypto';
import type { Decision, Match, Traffic } from '@threatline/matcher';
import type { AgentSettings } from '../model/settings';
import type { EventModule } from '../decision/traffic-input';

/** An Active threat response event (contract section 8; the design's threat event schema). The firewall id is not
 *  in it: the service takes it from the authenticated connection. */
export type ThreatEvent = {
  id: string;
  occurredAt: string;
  auditId: string;
  source: 'MDR' | 'XOPS';
  module: EventModule;
  action: 'log' | 'drop';
  /** The feed was a dry run: nothing was dropped; the event says what would have been done. */
  dryRun: boolean;
  moduleAction: 'LOG_ONLY' | 'LOG_AND_DROP';
  direction: Traffic['direction'];
  field: Match['field'];
  indicator: string;
  indicatorType: 'ipv4' | 'cidr' | 'domain' | 'url';
  srcIp: string;
  dstIp: string;
  domain?: string;
  url?: string;
  endpoint?: { host?: string; user?: string; process?: string };
};

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
      auditId: match.auditId,
      source: match.source,
      module: module ?? moduleOf(match.field, traffic),
      action: match.action,
      dryRun: match.dryRun,
      moduleAction: match.source === 'MDR' ? settings.mdr.action : settings.xops.action,
      direction: traffic.direction,
      field: match.field,
      indicator: match.indicator,
      indicatorType: indicatorTypeOf(match),
      srcIp: traffic.srcIp,
      dstIp: traffic.dstIp,
    };
    if (traffic.domain !== undefined) event.domain = traffic.domain;
    if (traffic.url !== undefined) event.url = traffic.url;
    // Seed 000: the endpoint's host, user and process appear only when the action is log and drop.
    if (
      match.action === 'drop' &&
      traffic.endpoint !== undefined &&
      Object.keys(traffic.endpoint).length > 0
    ) {
      event.endpoint = { ...traffic.endpoint };
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
