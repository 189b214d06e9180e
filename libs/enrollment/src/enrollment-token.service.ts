import { Injectable } from '@nestjs/common';
import { AuditService } from '@threatline/audit';
import { actorOf, ApiKeyPrincipal, issueSecret, SecretKind } from '@threatline/auth';
import { NotFoundException, ValidationException } from '@threatline/errors';
import { FleetService } from '@threatline/fleet';
import {
  Connection,
  decodeCursor,
  encodeCursor,
  isUuid,
  PageArgs,
  pageSizeOf,
  toConnection,
} from '@threatline/graphql-kit';
import {
  MAX_EXPIRES_IN_SECONDS,
  MAX_TOKEN_USES,
  MIN_EXPIRES_IN_SECONDS,
} from './dtos/create-enrollment-token.args';
import { toTokenModel } from './enrollment-token.mapper';
import { EnrollmentRepository, TokenFilter } from './enrollment.repository';
import { EnrollmentTokenModel } from './models/enrollment-token.model';

export interface NewEnrollmentTokenInput {
  groupId: string;
  expiresInSeconds: number;
  maxUses: number;
  requireApproval: boolean;
}

/** Fleet admins create, list and revoke the tokens that enroll firewalls into their groups. */
@Injectable()
export class EnrollmentTokenService {
  constructor(
    private readonly repository: EnrollmentRepository,
    private readonly fleet: FleetService,
    private readonly audit: AuditService,
  ) {}

  async list(
    tenantId: string,
    groupId: string | null | undefined,
    page: PageArgs,
  ): Promise<Connection<EnrollmentTokenModel>> {
    const size = pageSizeOf(page);
    const filter: TokenFilter = {};
    if (groupId !== null && groupId !== undefined) {
      filter.groupId = (await this.fleet.requireGroup(tenantId, groupId)).id;
    }
    if (page.after) filter.after = decodeAfter(page.after);
    const rows = await this.repository.listTokens(tenantId, filter, size + 1);
    return toConnection(
      rows,
      size,
      (row) => toTokenModel(row, new Date()),
      (row) => encodeCursor([row.createdAt.toISOString(), row.id]),
    );
  }

  /** Creates a token; its secret is returned here once and only its hash is kept. */
  async create(
    caller: ApiKeyPrincipal,
    tenantId: string,
    input: NewEnrollmentTokenInput,
  ): Promise<{ enrollmentToken: EnrollmentTokenModel; secret: string }> {
    requireRange(input.expiresInSeconds, 'expiresInSeconds', MIN_EXPIRES_IN_SECONDS, MAX_EXPIRES_IN_SECONDS);
    requireRange(input.maxUses, 'maxUses', 1, MAX_TOKEN_USES);
    const issued = issueSecret(SecretKind.ENROLLMENT_TOKEN);
    return this.repository.transaction(async (tx) => {
      const group = await this.fleet.requireGroup(tenantId, input.groupId, tx);
      const token = await this.repository.createToken(tx, {
        tenantId,
        groupId: group.id,
        tokenHash: issued.hash,
        prefix: issued.prefix,
        expiresAt: new Date(Date.now() + input.expiresInSeconds * 1000),
        maxUses: input.maxUses,
        requireApproval: input.requireApproval,
      });
      await this.audit.record(tx, actorOf(caller), {
        tenantId,
        action: 'enrollmentToken.create',
        entityType: 'EnrollmentToken',
        entityId: token.id,
        after: token,
      });
      return { enrollmentToken: toTokenModel(token, new Date()), secret: issued.secret };
    });
  }

  /** Revokes a token at once; firewalls it already enrolled stay enrolled. Revoking twice is a no-op. */
  async revoke(caller: ApiKeyPrincipal, tenantId: string, id: string): Promise<EnrollmentTokenModel> {
    return this.repository.transaction(async (tx) => {
      const existing = isUuid(id) ? await this.repository.findToken(tx, tenantId, id) : null;
      if (!existing) throw new NotFoundException('EnrollmentToken', id);
      if (existing.revokedAt) return toTokenModel(existing, new Date());
      const revoked = await this.repository.revokeToken(tx, tenantId, id);
      await this.audit.record(tx, actorOf(caller), {
        tenantId,
        action: 'enrollmentToken.revoke',
        entityType: 'EnrollmentToken',
        entityId: id,
        before: existing,
        after: revoked,
      });
      return toTokenModel(revoked, new Date());
    });
  }
}

function requireRange(value: number, field: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationException(`\`${field}\` must be a whole number from ${min} to ${max}.`, { field });
  }
}

function decodeAfter(cursor: string): { createdAt: Date; id: string } {
  const [createdAt, id] = decodeCursor(cursor, 2);
  const at = typeof createdAt === 'string' ? new Date(createdAt) : null;
  if (!at || Number.isNaN(at.getTime()) || typeof id !== 'string' || !isUuid(id)) {
    throw new ValidationException('The cursor `after` is not one this API issued.', { field: 'after' });
  }
  return { createdAt: at, id };
}
