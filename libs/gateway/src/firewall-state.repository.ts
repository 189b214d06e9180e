import { Injectable } from '@nestjs/common';
import { FirewallStatus, PrismaService } from '@threatline/db';

export interface FirewallState {
  groupId: string;
  status: FirewallStatus;
}

/** The group and status of connected firewalls: what their stream set and their right to a socket depend on. */
@Injectable()
export class FirewallStateRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** One read however many firewalls; those that no longer exist are absent from the map. */
  async states(firewallIds: readonly string[]): Promise<Map<string, FirewallState>> {
    const rows = await this.prisma.$queryRaw<{ id: string; group_id: string; status: FirewallStatus }[]>`
      SELECT id::text, group_id::text, status::text FROM firewall WHERE id = ANY(${[...firewallIds]}::uuid[])`;
    return new Map(rows.map((row) => [row.id, { groupId: row.group_id, status: row.status }]));
  }

  /** Whether the firewall's events are reported centrally (a firewall without settings: yes; one that is gone: no). */
  async centralReporting(firewallId: string): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ central: boolean }[]>`
      SELECT coalesce(s.central_reporting, true) AS central
      FROM firewall f LEFT JOIN firewall_settings s ON s.firewall_id = f.id
      WHERE f.id = ${firewallId}::uuid`;
    return rows[0]?.central ?? false;
  }
}
