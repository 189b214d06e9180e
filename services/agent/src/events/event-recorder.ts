import type { EventSink } from '../decision/decision-service';
import type { AgentSettings } from '../model/settings';
import type { EventSpool } from './event-spool';
import type { LocalEventLog } from './local-event-log';
import type { ThreatEvent } from './threat-event';

/** Routes events as the firewall's log settings say: local reporting to the local log, central reporting to the
 *  upload spool; with both off an event goes nowhere. */
export class EventRecorder implements EventSink {
  constructor(
    private readonly localLog: LocalEventLog,
    private readonly spool: EventSpool,
  ) {}

  record(events: readonly ThreatEvent[], settings: AgentSettings): void {
    if (events.length === 0) return;
    if (settings.localReporting) this.localLog.add(events);
    if (settings.centralReporting) this.spool.add(events);
  }
}
