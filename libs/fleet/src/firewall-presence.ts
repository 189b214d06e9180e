import type { Prisma } from '@threatline/db';

/**
 * Whether a firewall is connected, as the truth: the gateway that marked it connected must still
 * hold a live presence lease. A gateway killed without shutting down leaves `connected` set
 * until a sweep clears it; its expired lease already says the firewall is gone. (`now` is this
 * process's clock against the database's lease times: a skew of seconds moves the moment by as much.)
 */
export function isConnected(
  row: { connected: boolean; gatewayInstance: { expiresAt: Date } | null },
  now: Date,
): boolean {
  return row.connected && row.gatewayInstance !== null && row.gatewayInstance.expiresAt > now;
}

/** The same rule as a filter. */
export function connectedWhere(connected: boolean, now: Date): Prisma.FirewallWhereInput {
  const live: Prisma.FirewallWhereInput = {
    connected: true,
    gatewayInstance: { is: { expiresAt: { gt: now } } },
  };
  return connected ? live : { NOT: live };
}
