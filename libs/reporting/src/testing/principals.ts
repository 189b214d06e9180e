import { randomUUID } from 'node:crypto';
import type { ApiKeyPrincipal } from '@threatline/auth';
import { ApiKeyRole } from '@threatline/db';

/** A fleet admin's API key of `tenantId`, as the API guard makes it, for calling the reporting services directly. */
export function fleetAdminPrincipal(tenantId: string): ApiKeyPrincipal {
  return {
    kind: 'apiKey',
    apiKeyId: randomUUID(),
    name: 'admin',
    role: ApiKeyRole.FLEET_ADMIN,
    tenantId,
    providerId: null,
    requestId: undefined,
  };
}
