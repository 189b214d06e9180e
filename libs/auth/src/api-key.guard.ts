import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyRole } from '@threatline/db';
import { AuthenticationException, ForbiddenException } from '@threatline/errors';
import { CredentialRepository } from './credential.repository';
import { PUBLIC_KEY, ROLES_KEY } from './decorators';
import { bearerTokenOf, requestIdOf, requestOf } from './request-of';
import { hashSecret, looksLikeSecret, SecretKind } from './secrets';

/**
 * The global guard: every route and GraphQL field needs a valid API key whose role the
 * handler lists in @Roles, unless it is marked @Public(). Handlers with neither are refused,
 * so a new operation without a role decision fails closed.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly credentials: CredentialRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targets)) return true;

    const request = requestOf(context);
    const token = bearerTokenOf(request);
    if (!token || !looksLikeSecret(token, SecretKind.API_KEY)) throw new AuthenticationException();
    const key = await this.credentials.findActiveApiKey(hashSecret(token));
    if (!key) throw new AuthenticationException('The API key is unknown or revoked.');
    request.principal = { kind: 'apiKey', apiKeyId: key.id, ...key, requestId: requestIdOf(request) };

    const roles = this.reflector.getAllAndOverride<ApiKeyRole[] | undefined>(ROLES_KEY, targets);
    if (!roles?.includes(key.role)) {
      throw new ForbiddenException(`A ${key.role} key may not perform this operation.`);
    }
    return true;
  }
}
