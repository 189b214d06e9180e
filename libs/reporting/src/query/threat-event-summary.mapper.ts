import {
  BUCKET_MS,
  ThreatEventAction,
  ThreatEventBucket,
  ThreatEventIndicatorType,
  ThreatEventSource,
} from '../models/enums';
import {
  ActionEventCountModel,
  SourceEventCountModel,
  ThreatEventSeriesPointModel,
  ThreatEventSummaryModel,
} from '../models/threat-event-summary.model';
import type { SummaryRow } from './threat-event-query.repository';

interface SummaryRange {
  from: Date;
  to: Date;
  bucket: ThreatEventBucket;
}

/** The summary from the repository's rows; the series has every bucket of the range, empty ones as zero. */
export function toSummaryModel(
  range: SummaryRange,
  rows: readonly SummaryRow[],
  firewalls: readonly { id: string; serial: string; hostname: string | null }[],
): ThreatEventSummaryModel {
  const firewallById = new Map(firewalls.map((firewall) => [firewall.id, firewall]));
  const summary: ThreatEventSummaryModel = {
    ...range,
    total: 0,
    byIndicator: [],
    byFirewall: [],
    byAction: [],
    bySource: [],
    series: [],
  };
  const points = new Map<number, ThreatEventSeriesPointModel>();
  const byAction = new Map<string, ActionEventCountModel>();
  const bySource = new Map<string, SourceEventCountModel>();
  // Values come from threat_event, whose CHECK admits exactly the enums' values.
  for (const row of rows) {
    switch (row.dimension) {
      case 'indicator':
        summary.byIndicator.push({
          indicator: row.indicator,
          indicatorType: row.indicatorType as ThreatEventIndicatorType,
          count: row.count,
        });
        break;
      case 'firewall':
        summary.byFirewall.push({
          firewallId: row.firewallId,
          firewall: firewallById.get(row.firewallId) ?? null,
          count: row.count,
        });
        break;
      case 'traffic': {
        summary.total += row.count;
        const action = `${row.action}:${row.dryRun}`;
        const actionCount = byAction.get(action) ?? {
          action: row.action as ThreatEventAction,
          dryRun: row.dryRun,
          count: 0,
        };
        actionCount.count += row.count;
        byAction.set(action, actionCount);
        const sourceCount = bySource.get(row.source) ?? { source: row.source as ThreatEventSource, count: 0 };
        sourceCount.count += row.count;
        bySource.set(row.source, sourceCount);
        const start = row.bucket.getTime();
        const point = points.get(start) ?? { start: row.bucket, count: 0, dropped: 0, dryRun: 0 };
        point.count += row.count;
        if (row.action === 'drop') point.dropped += row.count;
        if (row.dryRun) point.dryRun += row.count;
        points.set(start, point);
        break;
      }
    }
  }
  summary.byAction = [...byAction.values()];
  summary.bySource = [...bySource.values()];
  const byCount = <T extends { count: number }>(list: T[], key: (item: T) => string) =>
    // Ties in code-unit order, as the query's COLLATE "C" (indicators are ASCII: punycode, percent-encoding).
    list.sort((a, b) => b.count - a.count || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  byCount(summary.byIndicator, (item) => item.indicator);
  byCount(summary.byFirewall, (item) => item.firewallId);
  byCount(summary.byAction, (item) => `${item.action}${item.dryRun}`);
  byCount(summary.bySource, (item) => item.source);
  const width = BUCKET_MS[range.bucket];
  const first = Math.floor(range.from.getTime() / width) * width;
  for (let start = first; start < range.to.getTime(); start += width) {
    summary.series.push(points.get(start) ?? { start: new Date(start), count: 0, dropped: 0, dryRun: 0 });
  }
  return summary;
}
