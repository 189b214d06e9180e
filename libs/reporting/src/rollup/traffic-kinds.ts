import type { ThreatEventAction, ThreatEventSource } from '../models/enums';

/**
 * The traffic counts of a rollup are per (time slot, kind of event), the kind packing what the summary's action
 * and source counts need into 3 bits: drop * 4 + dry run * 2 + X-Ops (threat_event's CHECK admits exactly these
 * values: a new action or source needs a wider kind). A count's slot index is slot * KINDS + kind.
 */
export const KINDS = 8;

/** The SQL expression of an event's kind, over threat_event aliased `e`. */
export const KIND_SQL = `(CASE WHEN e.action = 'drop' THEN 4 ELSE 0 END + CASE WHEN e.dry_run THEN 2 ELSE 0 END
  + CASE WHEN e.source = 'XOPS' THEN 1 ELSE 0 END)`;

export interface EventKind {
  action: ThreatEventAction;
  dryRun: boolean;
  source: ThreatEventSource;
}

export function kindOf(index: number): EventKind {
  const kind = index % KINDS;
  return {
    action: (kind & 4 ? 'drop' : 'log') as ThreatEventAction,
    dryRun: (kind & 2) !== 0,
    source: (kind & 1 ? 'XOPS' : 'MDR') as ThreatEventSource,
  };
}

/** Slot widths a rollup keeps, in minutes: every bucket the summary accepts is one of them or a day of hours. */
export const SLOT_MINUTES = [1, 5, 15, 60] as const;
export type SlotMinutes = (typeof SLOT_MINUTES)[number];

/** The widest kept slot that tiles buckets of `bucketMs`. */
export function slotMinutesFor(bucketMs: number): SlotMinutes {
  const minutes = bucketMs / 60_000;
  const fits = SLOT_MINUTES.filter((width) => minutes % width === 0);
  const widest = fits[fits.length - 1];
  if (widest === undefined) throw new Error(`no rollup slot tiles buckets of ${bucketMs} ms`);
  return widest;
}
