import type { IngestTarget } from './threat-event-store.repository';

/** How long a firewall's target is reused: a settings change (reporting off, retention) applies within it. */
export const INGEST_TARGET_TTL_MS = 5_000;
/** Firewalls remembered at once; past it the cache starts over (a bound on memory, not a working-set size). */
const MAX_ENTRIES = 10_000;

/**
 * The ingest targets of recently seen firewalls. Each batch needs its firewall's tenant, group, reporting setting
 * and retention; an agent uploads a batch every few hundred milliseconds at full rate, and one query per batch is
 * a round trip to PostgreSQL for an answer that rarely changes. The gateway caches the reporting setting as long.
 */
export class IngestTargetCache {
  private readonly entries = new Map<string, { target: IngestTarget; until: number }>();

  constructor(private readonly ttlMs = INGEST_TARGET_TTL_MS) {}

  get(firewallId: string, now: number): IngestTarget | undefined {
    const entry = this.entries.get(firewallId);
    if (entry === undefined) return undefined;
    if (entry.until > now) return entry.target;
    this.entries.delete(firewallId);
    return undefined;
  }

  set(firewallId: string, target: IngestTarget, now: number): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(firewallId, { target, until: now + this.ttlMs });
  }
}
