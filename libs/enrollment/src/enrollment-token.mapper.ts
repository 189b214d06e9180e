import { EnrollmentTokenRow } from './enrollment.repository';
import { EnrollmentTokenModel, EnrollmentTokenState } from './models/enrollment-token.model';

/** Why a token can no longer enroll, checked in the order an operator would fix it. */
export function stateOf(token: EnrollmentTokenRow, now: Date): EnrollmentTokenState {
  if (token.revokedAt) return EnrollmentTokenState.REVOKED;
  if (token.expiresAt <= now) return EnrollmentTokenState.EXPIRED;
  if (token.uses >= token.maxUses) return EnrollmentTokenState.EXHAUSTED;
  return EnrollmentTokenState.ACTIVE;
}

export function toTokenModel(row: EnrollmentTokenRow, now: Date): EnrollmentTokenModel {
  return {
    id: row.id,
    groupId: row.groupId,
    prefix: row.prefix,
    expiresAt: row.expiresAt,
    maxUses: row.maxUses,
    uses: row.uses,
    requireApproval: row.requireApproval,
    state: stateOf(row, now),
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
  };
}
