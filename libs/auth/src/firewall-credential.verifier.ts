import { Injectable } from '@nestjs/common';
import { ActiveFirewallCredential, CredentialRepository } from './credential.repository';
import { hashSecret, looksLikeSecret, SecretKind } from './secrets';

/** Verifies a firewall's credential (HTTP agent routes now, the stream's upgrade later). */
@Injectable()
export class FirewallCredentialVerifier {
  constructor(private readonly credentials: CredentialRepository) {}

  async verify(token: string | null): Promise<ActiveFirewallCredential | null> {
    if (!token || !looksLikeSecret(token, SecretKind.FIREWALL_CREDENTIAL)) return null;
    return this.credentials.findActiveFirewallCredential(hashSecret(token));
  }
}
