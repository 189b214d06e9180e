import { Injectable } from '@nestjs/common';
import { PrismaService } from '@threatline/db';

/** A firewall's connection state as one gateway saw it change. */
export interface PresenceChange {
  connected: boolean;
  at: Date;
  /**
   * For a disconnect: when this gateway marked the connection connected. The disconnect is
   * written only if nothing marked the firewall seen since (a reconnect to another gateway
   * must not be undone by the old gateway noticing the dead socket later).
   */
  connectedAt: Date | null;
}

/**
 * Writes `firewall.connected`, `last_seen_at` and the gateway holding the socket for many
 * firewalls in one statement.
 */
@Injectable()
export class PresenceRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * A connect points the firewall at `instanceId`, this process's presence lease; a disconnect
   * clears it, unless another gateway holds the firewall now (it reconnected there before this
   * process noticed the dead socket), whatever the clocks say.
   */
  async write(changes: ReadonlyMap<string, PresenceChange>, instanceId: string): Promise<void> {
    const ids: string[] = [];
    const connected: boolean[] = [];
    const at: string[] = [];
    const guards: (string | null)[] = [];
    for (const [firewallId, change] of changes) {
      ids.push(firewallId);
      connected.push(change.connected);
      at.push(change.at.toISOString());
      guards.push(change.connectedAt?.toISOString() ?? null);
    }
    await this.prisma.$executeRaw`
      UPDATE firewall AS f
         SET connected = v.connected,
             last_seen_at = v.at,
             gateway_instance_id = CASE WHEN v.connected THEN ${instanceId}::uuid END
        FROM unnest(${ids}::uuid[], ${connected}::boolean[], ${at}::timestamptz[], ${guards}::timestamptz[])
             AS v(id, connected, at, guard)
       WHERE f.id = v.id
         AND f.status <> 'DEREGISTERED'
         AND (v.guard IS NULL OR (
               (f.gateway_instance_id IS NULL OR f.gateway_instance_id = ${instanceId}::uuid)
               AND (f.last_seen_at IS NULL OR f.last_seen_at <= v.guard)))`;
  }
}
