import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiKeyRole } from '@threatline/db';
import { AuthenticationException, ForbiddenException } from '@threatline/errors';
import { ApiKeyPrincipal, FirewallPrincipal, Principal } from './principal';
import { requestOf } from './request-of';

export const PUBLIC_KEY = 'threatline:public';
export const ROLES_KEY = 'threatline:roles';

/** The only way out of the global API-key guard (health checks, enrollment, agent routes). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/**
 * The roles that may call an operation. Every non-public handler must state them: the guard
 * refuses handlers without this metadata, so a forgotten decorator fails closed.
 */
export const Roles = (...roles: ApiKeyRole[]): MethodDecorator & ClassDecorator =>
  SetMetadata(ROLES_KEY, roles);

export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = requestOf(context).principal;
    if (!principal) throw new AuthenticationException();
    return principal;
  },
);

export const CurrentApiKey = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ApiKeyPrincipal => {
    const principal = requestOf(context).principal;
    if (principal?.kind !== 'apiKey') throw new AuthenticationException();
    return principal;
  },
);

export const CurrentFirewall = createParamDecorator(
  (_data: unknown, context: ExecutionContext): FirewallPrincipal => {
    const principal = requestOf(context).principal;
    if (principal?.kind !== 'firewall')
      throw new AuthenticationException('A valid firewall credential is required.');
    return principal;
  },
);

/**
 * The tenant of a tenant-scoped key (FLEET_ADMIN, READ_ONLY). Tenant data is read and
 * written only under this id, taken from the verified credential and never from arguments.
 */
export const CurrentTenant = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const principal = requestOf(context).principal;
  if (principal?.kind !== 'apiKey') throw new AuthenticationException();
  if (!principal.tenantId) throw new ForbiddenException('This operation needs a key scoped to a tenant.');
  return principal.tenantId;
});
