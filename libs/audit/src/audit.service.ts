import { Injectable } from '@nestjs/common';
import { Prisma } from '@threatline/db';

/** Who made a change; built from the verified principal (see @threatline/auth actorOf). */
export interface AuditActor {
  type: 'API_KEY' | 'ENROLLMENT_TOKEN' | 'FIREWALL' | 'SYSTEM';
  id: string | null;
  requestId: string | undefined;
}

export interface AuditEntry {
  tenantId: string | null;
  /** Dotted verb, e.g. `firewall.move`, `exclusion.add`. */
  action: string;
  entityType: string;
  entityId: string | null;
  before?: unknown;
  after?: unknown;
}

/**
 * Appends to the audit log inside the caller's transaction, so a change and its record
 * commit or roll back together. The table refuses UPDATE and DELETE (trigger in SQL).
 */
@Injectable()
export class AuditService {
  async record(tx: Prisma.TransactionClient, actor: AuditActor, entry: AuditEntry): Promise<void> {
    await tx.auditLog.create({
      data: {
        actorType: actor.type,
        actorId: actor.id,
        requestId: actor.requestId ?? null,
        tenantId: entry.tenantId,
        action: entry.action,
        entityType: entry.entityType,
        entityId: entry.entityId,
        before: toJson(entry.before),
        after: toJson(entry.after),
      },
    });
  }
}

/** Dates and other values as JSON; secrets never reach here (callers pass public views). */
function toJson(value: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull {
  if (value === undefined || value === null) return Prisma.DbNull;
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
}
