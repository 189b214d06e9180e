import {
  BUCKET_MS,
  ThreatEventAction,
  ThreatEventBucket,
  ThreatEventIndicatorType,
  ThreatEventSource,
} from '../models/enums';
import { ThreatEventSeriesPointModel, ThreatEventSummaryModel } from '../models/threat-event-summary.model';
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
  // Values come from threat_event, whose CHECK admits exactly the enums' values.
  for (const row of rows) {
    switch (row.dimension) {
      case 'indicator':
        summary.byIndicator.push({
          indicator: row.indicator ?? '',
          indicatorType: row.indicatorType as ThreatEventIndicatorType,
          count: row.count,
        });
        break;
      case 'firewall':
        summary.byFirewall.push({
          firewallId: row.firewallId ?? '',
          firewall: firewallById.get(row.firewallId ?? '') ?? null,
          count: row.count,
        });
        break;
      case 'action':
        summary.byAction.push({
          action: row.action as ThreatEventAction,
          dryRun: row.dryRun ?? false,
          count: row.count,
        });
        break;
      case 'source':
        summary.total += row.count;
        summary.bySource.push({ source: row.source as ThreatEventSource, count: row.count });
        break;
      case 'bucket':
        if (row.bucket) {
          points.set(row.bucket.getTime(), {
            start: row.bucket,
            count: row.count,
            dropped: row.dropped,
            dryRun: row.dryRuns,
          });
        }
        break;
    }
  }
  const byCount = <T extends { count: number }>(list: T[], key: (item: T) => string) =>
    list.sort((a, b) => b.count - a.count || key(a).localeCompare(key(b)));
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
