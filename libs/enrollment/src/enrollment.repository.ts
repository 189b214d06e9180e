import { Injectable } from '@nestjs/common';
import { FirewallStatus, Prisma, PrismaService } from '@threatline/db';

const tokenView = {
  id: true,
  tenantId: true,
  groupId: true,
  prefix: true,
  expiresAt: true,
  maxUses: true,
  uses: true,
  requireApproval: true,
  createdAt: true,
  revokedAt: true,
} satisfies Prisma.EnrollmentTokenSelect;

/** A token as it may be shown: never its hash. */
export type EnrollmentTokenRow = Prisma.EnrollmentTokenGetPayload<{ select: typeof tokenView }>;

export interface NewEnrollmentToken {
  tenantId: string;
  groupId: string;
  tokenHash: string;
  prefix: string;
  expiresAt: Date;
  maxUses: number;
  requireApproval: boolean;
}

export interface TokenFilter {
  groupId?: string;
  /** Keyset position: the (createdAt, id) of the last row of the previous page. */
  after?: { createdAt: Date; id: string };
}

/** What enrolling needs of a token that has just been used once. */
export interface RedeemedToken {
  id: string;
  tenantId: string;
  groupId: string;
  requireApproval: boolean;
  uses: number;
}

export interface NewFirewall {
  tenantId: string;
  groupId: string;
  enrollmentTokenId: string;
  serial: string;
  hostname: string | null;
  model: string | null;
  firmwareVersion: string | null;
  status: FirewallStatus;
  credentialHash: string;
}

const enrolledFirewallView = {
  id: true,
  tenantId: true,
  groupId: true,
  serial: true,
  hostname: true,
  model: true,
  firmwareVersion: true,
  status: true,
  enrolledAt: true,
  enrollmentTokenId: true,
} satisfies Prisma.FirewallSelect;

/** Enrollment tokens and the firewalls they enroll. Tenant reads take the tenant first. */
@Injectable()
export class EnrollmentRepository {
  constructor(private readonly prisma: PrismaService) {}

  listTokens(tenantId: string, filter: TokenFilter, take: number): Promise<EnrollmentTokenRow[]> {
    const where: Prisma.EnrollmentTokenWhereInput = { tenantId };
    if (filter.groupId !== undefined) where.groupId = filter.groupId;
    const after = filter.after;
    const keyset: Prisma.EnrollmentTokenWhereInput | undefined = after && {
      OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
    };
    return this.prisma.enrollmentToken.findMany({
      where: keyset ? { AND: [where, keyset] } : where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take,
      select: tokenView,
    });
  }

  findToken(tx: Prisma.TransactionClient, tenantId: string, id: string): Promise<EnrollmentTokenRow | null> {
    return tx.enrollmentToken.findFirst({ where: { tenantId, id }, select: tokenView });
  }

  createToken(tx: Prisma.TransactionClient, token: NewEnrollmentToken): Promise<EnrollmentTokenRow> {
    return tx.enrollmentToken.create({ data: token, select: tokenView });
  }

  revokeToken(tx: Prisma.TransactionClient, tenantId: string, id: string): Promise<EnrollmentTokenRow> {
    return tx.enrollmentToken.update({
      where: { id, tenantId },
      data: { revokedAt: new Date() },
      select: tokenView,
    });
  }

  /**
   * Uses the token once, if it still may be used: one conditional UPDATE, so concurrent
   * redemptions serialize on the row lock and each re-checks `uses < max_uses` after the one
   * before it commits. A 1-use token thus enrolls exactly one firewall however many race for it.
   * Looked up by hash and not by tenant: the secret itself is the credential.
   */
  async redeemToken(
    tx: Prisma.TransactionClient,
    tokenHash: string,
    now: Date,
  ): Promise<RedeemedToken | null> {
    const rows = await tx.$queryRaw<RedeemedToken[]>`
      UPDATE enrollment_token SET uses = uses + 1
      WHERE token_hash = ${tokenHash} AND revoked_at IS NULL AND expires_at > ${now.toISOString()}::timestamptz AND uses < max_uses
      RETURNING id::text AS "id", tenant_id::text AS "tenantId", group_id::text AS "groupId",
                require_approval AS "requireApproval", uses`;
    return rows[0] ?? null;
  }

  /** The token behind a refused redemption, to tell the caller why. */
  findTokenByHash(tx: Prisma.TransactionClient, tokenHash: string): Promise<EnrollmentTokenRow | null> {
    return tx.enrollmentToken.findUnique({ where: { tokenHash }, select: tokenView });
  }

  /** The firewall with its default settings and its first credential, in one write. */
  createFirewall(tx: Prisma.TransactionClient, firewall: NewFirewall) {
    const { credentialHash, ...data } = firewall;
    return tx.firewall.create({
      data: { ...data, settings: { create: {} }, credentials: { create: { secretHash: credentialHash } } },
      select: enrolledFirewallView,
    });
  }

  /** The settings a firewall was created with (its defaults). */
  settingsOf(tx: Prisma.TransactionClient, firewallId: string) {
    return tx.firewallSettings.findUniqueOrThrow({ where: { firewallId } });
  }

  transaction<T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work);
  }
}
