import { Injectable } from '@nestjs/common';
import { FirewallGroup, FirewallStatus, Prisma, PrismaService } from '@threatline/db';
import { connectedWhere } from './firewall-presence';

const firewallView = {
  id: true,
  tenantId: true,
  groupId: true,
  serial: true,
  hostname: true,
  model: true,
  firmwareVersion: true,
  status: true,
  connected: true,
  gatewayInstance: { select: { expiresAt: true } },
  lastSeenAt: true,
  enrolledAt: true,
  deregisteredAt: true,
  settings: true,
} satisfies Prisma.FirewallSelect;

export type FirewallRow = Prisma.FirewallGetPayload<{ select: typeof firewallView }>;
export type FirewallSettingsRow = Prisma.FirewallSettingsGetPayload<object>;

export interface FirewallFilter {
  groupId?: string;
  status?: FirewallStatus;
  connected?: boolean;
  search?: string;
  /** Keyset position: the (serial, id) of the last row of the previous page. */
  after?: { serial: string; id: string };
}

export type SettingsChange = Partial<
  Pick<
    FirewallSettingsRow,
    'mdrEnabled' | 'mdrAction' | 'xopsEnabled' | 'xopsAction' | 'localReporting' | 'centralReporting'
  >
>;

/** Firewall groups and firewalls. Every method takes the tenant first and never reads across it. */
@Injectable()
export class FleetRepository {
  constructor(private readonly prisma: PrismaService) {}

  listGroups(tenantId: string): Promise<FirewallGroup[]> {
    return this.prisma.firewallGroup.findMany({ where: { tenantId }, orderBy: { name: 'asc' } });
  }

  findGroup(
    tenantId: string,
    id: string,
    tx: Prisma.TransactionClient = this.prisma,
  ): Promise<FirewallGroup | null> {
    return tx.firewallGroup.findFirst({ where: { tenantId, id } });
  }

  createGroup(
    tx: Prisma.TransactionClient,
    tenantId: string,
    name: string,
    parentId: string | null,
  ): Promise<FirewallGroup> {
    return tx.firewallGroup.create({ data: { tenantId, name, parentId } });
  }

  listFirewalls(tenantId: string, filter: FirewallFilter, take: number): Promise<FirewallRow[]> {
    const where: Prisma.FirewallWhereInput = { tenantId };
    if (filter.groupId !== undefined) where.groupId = filter.groupId;
    if (filter.status !== undefined) where.status = filter.status;
    const conditions: Prisma.FirewallWhereInput[] = [];
    if (filter.connected !== undefined) conditions.push(connectedWhere(filter.connected, new Date()));
    if (filter.search) {
      where.OR = [
        { serial: { contains: filter.search, mode: 'insensitive' } },
        { hostname: { contains: filter.search, mode: 'insensitive' } },
      ];
    }
    const after = filter.after;
    const keyset: Prisma.FirewallWhereInput | undefined = after && {
      OR: [{ serial: { gt: after.serial } }, { serial: after.serial, id: { gt: after.id } }],
    };
    if (keyset) conditions.push(keyset);
    return this.prisma.firewall.findMany({
      where: conditions.length > 0 ? { AND: [where, ...conditions] } : where,
      orderBy: [{ serial: 'asc' }, { id: 'asc' }],
      take,
      select: firewallView,
    });
  }

  findFirewall(
    tenantId: string,
    id: string,
    tx: Prisma.TransactionClient = this.prisma,
  ): Promise<FirewallRow | null> {
    return tx.firewall.findFirst({ where: { tenantId, id }, select: firewallView });
  }

  updateFirewall(
    tx: Prisma.TransactionClient,
    tenantId: string,
    id: string,
    data: Prisma.FirewallUncheckedUpdateManyInput,
  ): Promise<FirewallRow> {
    // The tenant is part of the filter, so even a wrong id can never touch another tenant's row.
    return tx.firewall.update({ where: { id, tenantId }, data, select: firewallView });
  }

  async revokeCredentials(tx: Prisma.TransactionClient, firewallId: string): Promise<number> {
    const { count } = await tx.firewallCredential.updateMany({
      where: { firewallId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count;
  }

  updateSettings(
    tx: Prisma.TransactionClient,
    firewallId: string,
    change: SettingsChange,
  ): Promise<FirewallSettingsRow> {
    return tx.firewallSettings.upsert({
      where: { firewallId },
      create: { firewallId, ...change },
      update: change,
    });
  }

  transaction<T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work);
  }
}
