import { Injectable } from '@nestjs/common';
import { ExclusionType, Prisma, PrismaService } from '@threatline/db';

const exclusionView = {
  id: true,
  tenantId: true,
  groupId: true,
  type: true,
  value: true,
  comment: true,
  createdById: true,
  createdByName: true,
  createdAt: true,
} satisfies Prisma.ThreatExclusionSelect;

export type ThreatExclusionRow = Prisma.ThreatExclusionGetPayload<{ select: typeof exclusionView }>;

export interface NewThreatExclusion {
  tenantId: string;
  groupId: string;
  type: ExclusionType;
  value: string;
  comment: string;
  createdById: string;
  createdByName: string;
}

/** Threat exclusions per group. Every method takes the tenant first and never reads across it. */
@Injectable()
export class ExclusionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Oldest first; `after` is the (createdAt, id) of the last row of the previous page. */
  list(
    tenantId: string,
    groupId: string,
    after: { createdAt: Date; id: string } | undefined,
    take: number,
  ): Promise<ThreatExclusionRow[]> {
    const where: Prisma.ThreatExclusionWhereInput = { tenantId, groupId };
    const keyset: Prisma.ThreatExclusionWhereInput | undefined = after && {
      OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }],
    };
    return this.prisma.threatExclusion.findMany({
      where: keyset ? { AND: [where, keyset] } : where,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take,
      select: exclusionView,
    });
  }

  find(tx: Prisma.TransactionClient, tenantId: string, id: string): Promise<ThreatExclusionRow | null> {
    return tx.threatExclusion.findFirst({ where: { tenantId, id }, select: exclusionView });
  }

  create(tx: Prisma.TransactionClient, exclusion: NewThreatExclusion): Promise<ThreatExclusionRow> {
    return tx.threatExclusion.create({ data: exclusion, select: exclusionView });
  }

  async delete(tx: Prisma.TransactionClient, tenantId: string, id: string): Promise<void> {
    await tx.threatExclusion.delete({ where: { id, tenantId } });
  }

  transaction<T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work);
  }
}
