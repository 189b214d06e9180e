import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AuthenticationException } from '@threatline/errors';
import { FirewallCredentialVerifier } from './firewall-credential.verifier';
import { bearerTokenOf, requestIdOf, requestOf } from './request-of';

/** For agent routes (marked @Public() for the API-key guard): a live firewall credential. */
@Injectable()
export class FirewallCredentialGuard implements CanActivate {
  constructor(private readonly verifier: FirewallCredentialVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = requestOf(context);
    const firewall = await this.verifier.verify(bearerTokenOf(request));
    if (!firewall) throw new AuthenticationException('The firewall credential is unknown or revoked.');
    request.principal = { kind: 'firewall', ...firewall, requestId: requestIdOf(request) };
    return true;
  }
}
