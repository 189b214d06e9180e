import { Injectable } from '@nestjs/common';
import { ApiKeyRole, FirewallStatus, PrismaService } from '@threatline/db';

export interface ActiveApiKey {
  id: string;
  name: string;
  role: ApiKeyRole;
  tenantId: string | null;
  providerId: string | null;
}

export interface ActiveFirewallCredential {
  firewallId: string;
  tenantId: string;
  groupId: string;
  status: FirewallStatus;
}

/** Looks up credentials by the hash of their secret; revoked ones are never returned. */
@Injectable()
export class CredentialRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findActiveApiKey(keyHash: string): Promise<ActiveApiKey | null> {
    return this.prisma.apiKey.findFirst({
      where: { keyHash, revokedAt: null },
      select: { id: true, name: true, role: true, tenantId: true, providerId: true },
    });
  }

  /** A credential works only while it is not revoked and its firewall is not deregistered. */
  async findActiveFirewallCredential(secretHash: string): Promise<ActiveFirewallCredential | null> {
    const row = await this.prisma.firewallCredential.findFirst({
      where: { secretHash, revokedAt: null, firewall: { status: { not: FirewallStatus.DEREGISTERED } } },
      select: { firewall: { select: { id: true, tenantId: true, groupId: true, status: true } } },
    });
    if (!row) return null;
    const { id, tenantId, groupId, status } = row.firewall;
    return { firewallId: id, tenantId, groupId, status };
  }
}
