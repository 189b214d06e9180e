import { AuditActor } from '@threatline/audit';
import { ApiKeyRole } from '@threatline/db';

/** Who is calling, as established by a verified API key. Never built from client arguments. */
export interface ApiKeyPrincipal {
  kind: 'apiKey';
  apiKeyId: string;
  name: string;
  role: ApiKeyRole;
  /** Set for FLEET_ADMIN and READ_ONLY keys. */
  tenantId: string | null;
  /** Set for MDR_ANALYST keys. */
  providerId: string | null;
  requestId: string | undefined;
}

/** A firewall agent, established by its credential. */
export interface FirewallPrincipal {
  kind: 'firewall';
  firewallId: string;
  tenantId: string;
  groupId: string;
  requestId: string | undefined;
}

export type Principal = ApiKeyPrincipal | FirewallPrincipal;

/** The actor recorded in the audit log for a change made by a principal. */
export function actorOf(principal: Principal): AuditActor {
  return principal.kind === 'apiKey'
    ? { type: 'API_KEY', id: principal.apiKeyId, requestId: principal.requestId }
    : { type: 'FIREWALL', id: principal.firewallId, requestId: principal.requestId };
}
