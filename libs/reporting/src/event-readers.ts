import { ApiKeyRole } from '@threatline/db';

/** Who may read threat events: a tenant's fleet admins and read-only keys, and MDR analysts for their tenants. */
export const EVENT_READERS = [ApiKeyRole.FLEET_ADMIN, ApiKeyRole.READ_ONLY, ApiKeyRole.MDR_ANALYST] as const;
