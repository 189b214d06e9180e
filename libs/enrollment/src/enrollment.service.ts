import { Injectable } from '@nestjs/common';
import { AuditService } from '@threatline/audit';
import { hashSecret, issueSecret, looksLikeSecret, SecretKind } from '@threatline/auth';
import { AppConfig } from '@threatline/config';
import { FirewallStatus, isUniqueViolation, Prisma } from '@threatline/db';
import { SETTINGS_KEY, settingsStreamId } from '@threatline/protocol';
import { settingsEntryOf, StreamWriter } from '@threatline/streams';
import { EnrollmentRequest } from './dtos/enrollment.request';
import { stateOf } from './enrollment-token.mapper';
import { EnrollmentException, EnrollmentExceptionCode } from './enrollment.exception';
import { EnrollmentRepository } from './enrollment.repository';
import { EnrollmentTokenState } from './models/enrollment-token.model';
import { EnrollmentResponse } from './models/enrollment.response';

/** A firewall redeems an enrollment token for its own credential (POST /api/v1/enrollments). */
@Injectable()
export class EnrollmentService {
  constructor(
    private readonly repository: EnrollmentRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly streams: StreamWriter,
  ) {}

  /**
   * Uses the token once and creates the firewall (in the token's tenant and group), its default
   * settings (and their settings stream entry), its credential and the audit record, all in one
   * transaction: a refused or conflicting enrollment leaves the token's use count and everything
   * else untouched.
   */
  async enroll(request: EnrollmentRequest, requestId: string | undefined): Promise<EnrollmentResponse> {
    if (!looksLikeSecret(request.token, SecretKind.ENROLLMENT_TOKEN)) throw invalidToken();
    const tokenHash = hashSecret(request.token);
    const credential = issueSecret(SecretKind.FIREWALL_CREDENTIAL);
    // Expiry is judged by this process's clock, as it was set by one (createEnrollmentToken).
    const now = new Date();
    try {
      const { firewall, head } = await this.repository.transaction(async (tx) => {
        const token = await this.repository.redeemToken(tx, tokenHash, now);
        if (!token) throw await this.refusal(tx, tokenHash, now);
        const firewall = await this.repository.createFirewall(tx, {
          tenantId: token.tenantId,
          groupId: token.groupId,
          enrollmentTokenId: token.id,
          serial: request.serial,
          hostname: request.hostname ?? null,
          model: request.model ?? null,
          firmwareVersion: request.version ?? null,
          status: token.requireApproval ? FirewallStatus.APPROVAL_PENDING : FirewallStatus.MANAGED,
          credentialHash: credential.hash,
        });
        await this.audit.record(
          tx,
          { type: 'ENROLLMENT_TOKEN', id: token.id, requestId },
          {
            tenantId: token.tenantId,
            action: 'firewall.enroll',
            entityType: 'Firewall',
            entityId: firewall.id,
            after: { ...firewall, tokenUses: token.uses },
          },
        );
        const settings = await this.repository.settingsOf(tx, firewall.id);
        const head = await this.streams.apply(tx, settingsStreamId(firewall.id), [
          { op: 'upsert', key: SETTINGS_KEY, entry: settingsEntryOf(settings) },
        ]);
        return { firewall, head };
      });
      await this.streams.notify([head]);
      return { firewallId: firewall.id, credential: credential.secret, streamUrl: this.config.streamUrl };
    } catch (error) {
      // The only unique key this transaction can hit is the live-serial index: ids are UUIDs
      // and the credential hash is of 256 random bits.
      if (isUniqueViolation(error)) {
        throw new EnrollmentException(
          EnrollmentExceptionCode.FIREWALL_SERIAL_TAKEN,
          `A firewall with serial "${request.serial}" is enrolled; deregister it before enrolling the serial again.`,
          { field: 'serial' },
        );
      }
      throw error;
    }
  }

  private async refusal(
    tx: Prisma.TransactionClient,
    tokenHash: string,
    now: Date,
  ): Promise<EnrollmentException> {
    const token = await this.repository.findTokenByHash(tx, tokenHash);
    if (!token) return invalidToken();
    const state = stateOf(token, now);
    switch (state) {
      case EnrollmentTokenState.REVOKED:
        return new EnrollmentException(
          EnrollmentExceptionCode.ENROLLMENT_TOKEN_REVOKED,
          'The enrollment token has been revoked.',
        );
      case EnrollmentTokenState.EXPIRED:
        return new EnrollmentException(
          EnrollmentExceptionCode.ENROLLMENT_TOKEN_EXPIRED,
          'The enrollment token has expired.',
          {
            expiresAt: token.expiresAt.toISOString(),
          },
        );
      // The read sees at least the row the refused UPDATE saw, and uses only grow, so the token
      // cannot look ACTIVE here; if it ever did, "used up" is the truthful answer.
      case EnrollmentTokenState.EXHAUSTED:
      case EnrollmentTokenState.ACTIVE:
        return new EnrollmentException(
          EnrollmentExceptionCode.ENROLLMENT_TOKEN_EXHAUSTED,
          'The enrollment token has enrolled as many firewalls as it may.',
          { maxUses: token.maxUses },
        );
    }
  }
}

function invalidToken(): EnrollmentException {
  return new EnrollmentException(
    EnrollmentExceptionCode.ENROLLMENT_TOKEN_INVALID,
    'The enrollment token is not valid.',
  );
}
