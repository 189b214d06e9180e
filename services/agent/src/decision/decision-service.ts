import type { Decision, Matcher } from '@threatline/matcher';
import type { AgentSettings } from '../model/settings';
import { eventsOf, type ThreatEvent } from '../events/threat-event';
import type { CheckRequest } from './traffic-input';

/** Where decisions come from: read on every check, so a swapped matcher or new settings apply at once. */
export interface DecisionBasis {
  readonly matcher: Matcher;
  readonly settings: AgentSettings;
}

/** Takes the events of log and drop decisions (the local log and the upload spool, as the settings say). */
export interface EventSink {
  record(events: readonly ThreatEvent[], settings: AgentSettings): void;
}

/** Decides with the matcher under the firewall's settings and hands every log or drop on as events. */
export class DecisionService {
  constructor(
    private readonly basis: () => DecisionBasis,
    private readonly sink: EventSink | null = null,
  ) {}

  check(request: CheckRequest): Decision {
    const { matcher, settings } = this.basis();
    const decision = matcher.check(request.traffic, settings);
    if (decision.action !== 'allow' && this.sink !== null) {
      this.sink.record(eventsOf(decision, request.traffic, settings, request.module), settings);
    }
    return decision;
  }
}

const ALLOW = '{"action":"allow","matches":[]}';

/** The decision as the API answers it (contract section 7). */
export function decisionJson(decision: Decision): string {
  if (decision.action === 'allow' && decision.matches.length === 0 && decision.excludedBy === undefined)
    return ALLOW;
  return JSON.stringify(decision);
}
