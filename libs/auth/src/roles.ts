import { ApiKeyRole } from '@threatline/db';

/** Who may read a tenant's fleet: its fleet admins and read-only keys. */
export const TENANT_READERS = [ApiKeyRole.FLEET_ADMIN, ApiKeyRole.READ_ONLY] as const;
/** Who may change a tenant's fleet. */
export const TENANT_WRITERS = [ApiKeyRole.FLEET_ADMIN] as const;
export const OPERATORS = [ApiKeyRole.OPERATOR] as const;
