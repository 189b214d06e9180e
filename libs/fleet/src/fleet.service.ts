import { Injectable } from '@nestjs/common';
import { AuditActor, AuditService } from '@threatline/audit';
import { FirewallGroup, FirewallStatus, isUniqueViolation, Prisma, ThreatFeedAction } from '@threatline/db';
import { NotFoundException, ValidationException } from '@threatline/errors';
import {
  Connection,
  decodeCursor,
  encodeCursor,
  isUuid,
  PageArgs,
  pageSizeOf,
  requireName,
  toConnection,
} from '@threatline/graphql-kit';
import { SETTINGS_KEY, settingsStreamId } from '@threatline/protocol';
import { settingsEntryOf, StreamWriter, type StreamHead } from '@threatline/streams';
import { FleetException, FleetExceptionCode } from './fleet.exception';
import { FirewallFilter, FirewallRow, FleetRepository, SettingsChange } from './fleet.repository';
import { toFirewallModel } from './firewall.mapper';
import { FirewallModel } from './models/firewall.model';

export interface FirewallQuery {
  groupId?: string | null;
  status?: FirewallStatus | null;
  connected?: boolean | null;
  search?: string | null;
}

export type ThreatFeedModule = 'mdr' | 'xops';

const MAX_SEARCH_LENGTH = 100;

/**
 * Firewall groups, firewalls and their settings, always inside one tenant. Settings changes also go to the
 * firewall's settings stream (`set:f:<firewallId>`) in the same transaction; moves and deregistrations are announced
 * to the gateways (`firewalls:<tenantId>`) once committed.
 */
@Injectable()
export class FleetService {
  constructor(
    private readonly repository: FleetRepository,
    private readonly audit: AuditService,
    private readonly streams: StreamWriter,
  ) {}

  listGroups(tenantId: string): Promise<FirewallGroup[]> {
    return this.repository.listGroups(tenantId);
  }

  /** The group, or NOT_FOUND when it is unknown, malformed or another tenant's. */
  async requireGroup(
    tenantId: string,
    groupId: string,
    tx?: Prisma.TransactionClient,
  ): Promise<FirewallGroup> {
    const group = isUuid(groupId) ? await this.repository.findGroup(tenantId, groupId, tx) : null;
    if (!group) throw new NotFoundException('FirewallGroup', groupId);
    return group;
  }

  async createGroup(
    actor: AuditActor,
    tenantId: string,
    rawName: string,
    parentId: string | null,
  ): Promise<FirewallGroup> {
    const name = requireName(rawName, 'name');
    try {
      return await this.repository.transaction(async (tx) => {
        if (parentId !== null) await this.requireGroup(tenantId, parentId, tx);
        const group = await this.repository.createGroup(tx, tenantId, name, parentId);
        await this.audit.record(tx, actor, {
          tenantId,
          action: 'firewallGroup.create',
          entityType: 'FirewallGroup',
          entityId: group.id,
          after: group,
        });
        return group;
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new FleetException(FleetExceptionCode.GROUP_NAME_TAKEN, `A group named "${name}" exists.`);
      }
      throw error;
    }
  }

  async listFirewalls(
    tenantId: string,
    query: FirewallQuery,
    page: PageArgs,
  ): Promise<Connection<FirewallModel>> {
    const size = pageSizeOf(page);
    const filter: FirewallFilter = {};
    if (query.groupId) {
      await this.requireGroup(tenantId, query.groupId);
      filter.groupId = query.groupId;
    }
    if (query.status) filter.status = query.status;
    if (query.connected !== null && query.connected !== undefined) filter.connected = query.connected;
    if (query.search) {
      const search = query.search.trim();
      if (search.length > MAX_SEARCH_LENGTH) {
        throw new ValidationException(`\`search\` must be at most ${MAX_SEARCH_LENGTH} characters.`, {
          field: 'search',
        });
      }
      filter.search = search;
    }
    if (page.after) {
      const [serial, id] = decodeCursor(page.after, 2);
      filter.after = { serial: String(serial), id: String(id) };
    }
    const rows = await this.repository.listFirewalls(tenantId, filter, size + 1);
    return toConnection(rows, size, toFirewallModel, (row) => encodeCursor([row.serial, row.id]));
  }

  async getFirewall(tenantId: string, id: string): Promise<FirewallModel> {
    return toFirewallModel(await this.requireFirewall(tenantId, id));
  }

  async moveFirewall(
    actor: AuditActor,
    tenantId: string,
    firewallId: string,
    groupId: string,
  ): Promise<FirewallModel> {
    const moved = await this.change(actor, tenantId, firewallId, 'firewall.move', async (tx, before) => {
      this.refuseDeregistered(before);
      await this.requireGroup(tenantId, groupId, tx);
      return this.repository.updateFirewall(tx, tenantId, firewallId, { groupId });
    });
    // Its group streams (mdr:g, exc:g) changed: the gateway holding its socket swaps them.
    await this.streams.notifyFirewall({ firewallId, tenantId }, 'moved');
    return moved;
  }

  async approveFirewall(actor: AuditActor, tenantId: string, firewallId: string): Promise<FirewallModel> {
    return this.change(actor, tenantId, firewallId, 'firewall.approve', async (tx, before) => {
      if (before.status !== FirewallStatus.APPROVAL_PENDING) {
        throw new FleetException(
          FleetExceptionCode.FIREWALL_NOT_PENDING,
          'The firewall is not waiting for approval.',
          {
            status: before.status,
          },
        );
      }
      return this.repository.updateFirewall(tx, tenantId, firewallId, { status: FirewallStatus.MANAGED });
    });
  }

  /** Deregisters a firewall: its credentials stop working at once, and its serial may enroll again. */
  async deregisterFirewall(actor: AuditActor, tenantId: string, firewallId: string): Promise<FirewallModel> {
    const deregistered = await this.change(
      actor,
      tenantId,
      firewallId,
      'firewall.deregister',
      async (tx, before) => {
        this.refuseDeregistered(before);
        await this.repository.revokeCredentials(tx, firewallId);
        return this.repository.updateFirewall(tx, tenantId, firewallId, {
          status: FirewallStatus.DEREGISTERED,
          connected: false,
          gatewayInstanceId: null,
          deregisteredAt: new Date(),
        });
      },
    );
    // The gateway holding its socket closes it (the credential already stopped working).
    await this.streams.notifyFirewall({ firewallId, tenantId }, 'deregistered');
    return deregistered;
  }

  async updateThreatFeedSettings(
    actor: AuditActor,
    tenantId: string,
    firewallId: string,
    module: ThreatFeedModule,
    enabled: boolean,
    action: ThreatFeedAction,
  ): Promise<FirewallModel> {
    const change: SettingsChange =
      module === 'mdr'
        ? { mdrEnabled: enabled, mdrAction: action }
        : { xopsEnabled: enabled, xopsAction: action };
    return this.changeSettings(actor, tenantId, firewallId, `firewall.settings.${module}`, change);
  }

  async updateLogSettings(
    actor: AuditActor,
    tenantId: string,
    firewallId: string,
    localReporting: boolean,
    centralReporting: boolean,
  ): Promise<FirewallModel> {
    return this.changeSettings(actor, tenantId, firewallId, 'firewall.settings.log', {
      localReporting,
      centralReporting,
    });
  }

  private async changeSettings(
    actor: AuditActor,
    tenantId: string,
    firewallId: string,
    action: string,
    change: SettingsChange,
  ): Promise<FirewallModel> {
    let head: StreamHead | undefined;
    const model = await this.change(actor, tenantId, firewallId, action, async (tx, before) => {
      this.refuseDeregistered(before);
      const settings = await this.repository.updateSettings(tx, firewallId, change);
      head = await this.streams.apply(tx, settingsStreamId(firewallId), [
        { op: 'upsert', key: SETTINGS_KEY, entry: settingsEntryOf(settings) },
      ]);
      return (await this.repository.findFirewall(tenantId, firewallId, tx)) ?? before;
    });
    if (head) await this.streams.notify([head]);
    return model;
  }

  /** One audited change of one firewall, in one transaction. */
  private async change(
    actor: AuditActor,
    tenantId: string,
    firewallId: string,
    action: string,
    apply: (tx: Prisma.TransactionClient, before: FirewallRow) => Promise<FirewallRow>,
  ): Promise<FirewallModel> {
    return this.repository.transaction(async (tx) => {
      const before = await this.requireFirewall(tenantId, firewallId, tx);
      const after = await apply(tx, before);
      await this.audit.record(tx, actor, {
        tenantId,
        action,
        entityType: 'Firewall',
        entityId: firewallId,
        before: auditedFirewall(before),
        after: auditedFirewall(after),
      });
      return toFirewallModel(after);
    });
  }

  private async requireFirewall(
    tenantId: string,
    id: string,
    tx?: Prisma.TransactionClient,
  ): Promise<FirewallRow> {
    const firewall = isUuid(id) ? await this.repository.findFirewall(tenantId, id, tx) : null;
    if (!firewall) throw new NotFoundException('Firewall', id);
    return firewall;
  }

  private refuseDeregistered(firewall: FirewallRow): void {
    if (firewall.status === FirewallStatus.DEREGISTERED) {
      throw new FleetException(FleetExceptionCode.FIREWALL_DEREGISTERED, 'The firewall is deregistered.');
    }
  }
}

/** What an admin's change of a firewall is audited with: its own fields, without the presence the gateways keep
 *  (connected, its lease, last seen), which changes on its own and is not part of the change. */
function auditedFirewall(
  row: FirewallRow,
): Omit<FirewallRow, 'connected' | 'gatewayInstance' | 'lastSeenAt'> {
  const { connected: _connected, gatewayInstance: _lease, lastSeenAt: _lastSeen, ...audited } = row;
  return audited;
}
