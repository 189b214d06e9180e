import { formatIpv4 } from '@threatline/ioc';
import { compareExclusions } from './exclusion-index';
import { HitKind, type HitBuffer } from './hit-buffer';
import type { IocTables } from './ioc-tables';
import { ABSENT, metaAuditIndex, metaDryRun } from './meta';
import type { Decision, ExclusionEntry, IocSource, Match, MatchField, ModuleSettings } from './types';

/** The exclusion that covers matches on a field (the first in exclusion order), or null. */
export type CoverOf = (field: MatchField) => ExclusionEntry | null;

const FIELD_OF_KIND: readonly MatchField[] = ['srcIp', 'srcIp', 'dstIp', 'dstIp', 'domain', 'url', 'url'];

/**
 * Rules 3 to 5 of the semantics over the hits of one traffic tuple (already collected for the checked fields, in
 * report order): MDR first; a module's covered matches are dropped; MDR LOG_AND_DROP with an uncovered non-dry-run
 * match drops and ends the check; otherwise X-Ops is checked too.
 */
export function decide(
  hits: HitBuffer,
  iocs: IocTables,
  settings: ModuleSettings,
  coverOf: CoverOf,
): Decision {
  const matches: Match[] = [];
  let drop = false;
  let excludedBy: ExclusionEntry | null = null;
  const modules = [
    { source: 'MDR' as IocSource, setting: settings.mdr },
    { source: 'XOPS' as IocSource, setting: settings.xops },
  ];
  for (const { source, setting } of modules) {
    if (!setting.enabled) continue;
    const first = matches.length;
    let dropsHere = false;
    for (let i = 0; i < hits.count; i++) {
      const kind = hits.kinds[i]! as HitKind;
      const slot = slotOf(iocs, kind, hits.slots[i]!);
      const meta = metaOf(iocs, kind, slot, source);
      if (meta === ABSENT) continue;
      const field = FIELD_OF_KIND[kind]!;
      const cover = coverOf(field);
      if (cover !== null) {
        if (excludedBy === null || compareExclusions(cover, excludedBy) < 0) excludedBy = cover;
        continue;
      }
      const dryRun = metaDryRun(meta);
      const drops = setting.action === 'LOG_AND_DROP' && !dryRun;
      dropsHere ||= drops;
      matches.push({
        source,
        field,
        indicator: indicatorOf(iocs, kind, slot),
        auditId: iocs.audits.get(metaAuditIndex(meta)),
        action: drops ? 'drop' : 'log',
        dryRun,
      });
    }
    if (dropsHere) {
      drop = true;
      if (source === 'MDR') return { action: 'drop', matches: matches.slice(first) };
    }
  }
  if (matches.length > 0) return { action: drop ? 'drop' : 'log', matches };
  return excludedBy === null ? { action: 'allow', matches } : { action: 'allow', matches, excludedBy };
}

/** The table slot of a hit: network hits carry their network key (AddressIndex.lookup builds it without a
 *  probe), resolved here, for the few addresses that match. */
function slotOf(iocs: IocTables, kind: HitKind, slot: number): number {
  return kind === HitKind.SrcNetwork || kind === HitKind.DstNetwork ? iocs.networks.table.find(slot) : slot;
}

function metaOf(iocs: IocTables, kind: HitKind, slot: number, source: IocSource): number {
  const table = tableOf(iocs, kind);
  return source === 'MDR' ? table.value0(slot) : table.value1(slot);
}

function tableOf(
  iocs: IocTables,
  kind: HitKind,
): { value0(slot: number): number; value1(slot: number): number } {
  switch (kind) {
    case HitKind.SrcExact:
    case HitKind.DstExact:
      return iocs.addresses;
    case HitKind.SrcNetwork:
    case HitKind.DstNetwork:
      return iocs.networks.table;
    case HitKind.Domain:
    case HitKind.UrlHostDomain:
      return iocs.domains.table;
    case HitKind.Url:
      return iocs.urls.table;
  }
}

function indicatorOf(iocs: IocTables, kind: HitKind, slot: number): string {
  switch (kind) {
    case HitKind.SrcExact:
    case HitKind.DstExact:
      return formatIpv4(iocs.addresses.keyAt(slot) >>> 0);
    case HitKind.SrcNetwork:
    case HitKind.DstNetwork:
      return iocs.networkText(slot);
    case HitKind.Domain:
    case HitKind.UrlHostDomain:
      return iocs.domains.table.keyAt(slot);
    case HitKind.Url:
      return iocs.urls.table.keyAt(slot);
  }
}
