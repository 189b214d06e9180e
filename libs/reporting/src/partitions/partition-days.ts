// Daily partitions of threat_event: `threat_event_pYYYYMMDD` holds [that day 00:00 UTC, the next day 00:00 UTC).

export const DAY_MS = 86_400_000;

const NAME = /^threat_event_p(\d{4})(\d{2})(\d{2})$/;

/** 00:00 UTC of the day `at` falls in. */
export function utcDayOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

export function addDays(day: Date, days: number): Date {
  return new Date(day.getTime() + days * DAY_MS);
}

export function partitionNameOf(day: Date): string {
  return `threat_event_p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The day a partition holds, or null for a table that is not one of ours. */
export function dayOfPartition(name: string): Date | null {
  const match = NAME.exec(name);
  if (!match) return null;
  const day = new Date(`${match[1]}-${match[2]}-${match[3]}T00:00:00.000Z`);
  return Number.isNaN(day.getTime()) || partitionNameOf(day) !== name ? null : day;
}
