import { randomUUID } from 'node:crypto';
import { type PrismaClient } from '@threatline/db';
import type { ThreatEvent } from '@threatline/protocol';

/** A valid event (an MDR drop of a destination IP), overridable where a test cares. */
export function makeThreatEvent(overrides: Partial<ThreatEvent> = {}): ThreatEvent {
  return {
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    auditId: 'MDR-20261123-K7F3Q9XA',
    source: 'MDR',
    module: 'firewall',
    action: 'drop',
    dryRun: false,
    moduleAction: 'LOG_AND_DROP',
    direction: 'outbound',
    field: 'dstIp',
    indicator: '203.0.113.7',
    indicatorType: 'ipv4',
    srcIp: '10.0.0.5',
    dstIp: '203.0.113.7',
    endpoint: { host: 'laptop-17', user: 'alice', process: 'C:\\Windows\\curl.exe' },
    ...overrides,
  };
}

export function makeThreatEvents(count: number, overrides: (i: number) => Partial<ThreatEvent> = () => ({})) {
  return Array.from({ length: count }, (_, i) => makeThreatEvent(overrides(i)));
}

export interface ReportingTenant {
  tenantId: string;
  groupId: string;
  firewallId: string;
}

/** A tenant with a group and a firewall (central reporting on), straight in the database. */
export async function makeReportingTenant(
  prisma: PrismaClient,
  options: { retentionDays?: number; centralReporting?: boolean } = {},
): Promise<ReportingTenant> {
  const tenant = await prisma.tenant.create({
    data: { name: `tenant-${randomUUID()}`, eventRetentionDays: options.retentionDays ?? 30 },
  });
  const group = await prisma.firewallGroup.create({ data: { tenantId: tenant.id, name: 'group' } });
  const firewall = await prisma.firewall.create({
    data: {
      tenantId: tenant.id,
      groupId: group.id,
      serial: `SN-${randomUUID().slice(0, 12)}`,
      hostname: 'fw-1',
      status: 'MANAGED',
      settings: { create: { centralReporting: options.centralReporting ?? true } },
    },
  });
  return { tenantId: tenant.id, groupId: group.id, firewallId: firewall.id };
}

/** How many rows of threat_event hold each of `ids` (0 when missing). */
export async function storedCounts(
  prisma: PrismaClient,
  ids: readonly string[],
): Promise<Map<string, number>> {
  const rows = await prisma.$queryRaw<{ id: string; n: number }[]>`
    SELECT id, count(*)::int AS n FROM threat_event WHERE id = ANY(${ids}::uuid[]) GROUP BY id`;
  const counts = new Map(ids.map((id) => [id, 0]));
  for (const row of rows) counts.set(row.id, row.n);
  return counts;
}
