import { Injectable } from '@nestjs/common';
import { AuditService } from '@threatline/audit';
import { actorOf, ApiKeyPrincipal } from '@threatline/auth';
import { ExclusionType, isUniqueViolation } from '@threatline/db';
import { NotFoundException, ValidationException } from '@threatline/errors';
import { FleetService } from '@threatline/fleet';
import {
  Connection,
  decodeCursor,
  encodeCursor,
  isUuid,
  optionalText,
  PageArgs,
  pageSizeOf,
  toConnection,
} from '@threatline/graphql-kit';
import { normalizeExclusion } from '@threatline/ioc';
import { entryKey, exclusionEntry, exclusionStreamId } from '@threatline/protocol';
import { StreamWriter } from '@threatline/streams';
import { MAX_COMMENT_LENGTH } from './dtos/add-threat-exclusion.args';
import { ExclusionsException, ExclusionsExceptionCode } from './exclusions.exception';
import { ExclusionsRepository, ThreatExclusionRow } from './exclusions.repository';
import { ThreatExclusionModel } from './models/threat-exclusion.model';

export interface NewExclusionInput {
  groupId: string;
  type: ExclusionType;
  value: string;
  comment?: string | null;
}

/**
 * Threat exclusions per firewall group: values normalized by libs/ioc, one row per meaning. Every add and remove
 * also changes the group's exclusion stream (`exc:g:<groupId>`) in the same transaction, and wakes the gateways
 * once it committed.
 */
@Injectable()
export class ExclusionsService {
  constructor(
    private readonly repository: ExclusionsRepository,
    private readonly fleet: FleetService,
    private readonly audit: AuditService,
    private readonly streams: StreamWriter,
  ) {}

  async list(tenantId: string, groupId: string, page: PageArgs): Promise<Connection<ThreatExclusionModel>> {
    const size = pageSizeOf(page);
    const group = await this.fleet.requireGroup(tenantId, groupId);
    const after = page.after ? decodeAfter(page.after) : undefined;
    const rows = await this.repository.list(tenantId, group.id, after, size + 1);
    return toConnection(rows, size, toExclusionModel, (row) =>
      encodeCursor([row.createdAt.toISOString(), row.id]),
    );
  }

  async add(
    caller: ApiKeyPrincipal,
    tenantId: string,
    input: NewExclusionInput,
  ): Promise<ThreatExclusionModel> {
    const value = normalized(input.type, input.value);
    const comment = optionalText(input.comment, 'comment', MAX_COMMENT_LENGTH);
    try {
      const { exclusion, head } = await this.repository.transaction(async (tx) => {
        const group = await this.fleet.requireGroup(tenantId, input.groupId, tx);
        const exclusion = await this.repository.create(tx, {
          tenantId,
          groupId: group.id,
          type: input.type,
          value,
          comment,
          createdById: caller.apiKeyId,
          createdByName: caller.name,
        });
        await this.audit.record(tx, actorOf(caller), {
          tenantId,
          action: 'exclusion.add',
          entityType: 'ThreatExclusion',
          entityId: exclusion.id,
          after: exclusion,
        });
        const head = await this.streams.apply(tx, exclusionStreamId(group.id), [
          { op: 'upsert', key: entryKey(exclusion.type, exclusion.value), entry: exclusionEntry(exclusion) },
        ]);
        return { exclusion, head };
      });
      await this.streams.notify([head]);
      return toExclusionModel(exclusion);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ExclusionsException(
          ExclusionsExceptionCode.EXCLUSION_EXISTS,
          `The group already excludes ${input.type} "${value}".`,
          { type: input.type, value },
        );
      }
      throw error;
    }
  }

  async remove(caller: ApiKeyPrincipal, tenantId: string, id: string): Promise<ThreatExclusionModel> {
    const { existing, head } = await this.repository.transaction(async (tx) => {
      const existing = isUuid(id) ? await this.repository.find(tx, tenantId, id) : null;
      if (!existing) throw new NotFoundException('ThreatExclusion', id);
      await this.repository.delete(tx, tenantId, id);
      await this.audit.record(tx, actorOf(caller), {
        tenantId,
        action: 'exclusion.remove',
        entityType: 'ThreatExclusion',
        entityId: id,
        before: existing,
      });
      const head = await this.streams.apply(tx, exclusionStreamId(existing.groupId), [
        { op: 'remove', key: entryKey(existing.type, existing.value) },
      ]);
      return { existing, head };
    });
    await this.streams.notify([head]);
    return toExclusionModel(existing);
  }
}

/** The value as libs/ioc spells it, or BAD_INPUT with its rejection code and message. */
function normalized(type: ExclusionType, raw: string): string {
  const result = normalizeExclusion(type, raw);
  if (result.ok) return result.normalized;
  throw new ExclusionsException(
    ExclusionsExceptionCode.EXCLUSION_VALUE_INVALID,
    `\`value\` is not a valid ${type} exclusion: ${result.message}`,
    {
      field: 'value',
      reason: result.code,
      message: result.message,
      ...(result.suggestion === undefined ? {} : { suggestion: result.suggestion }),
    },
  );
}

function decodeAfter(cursor: string): { createdAt: Date; id: string } {
  const [createdAt, id] = decodeCursor(cursor, 2);
  const at = typeof createdAt === 'string' ? new Date(createdAt) : null;
  if (!at || Number.isNaN(at.getTime()) || typeof id !== 'string' || !isUuid(id)) {
    throw new ValidationException('The cursor `after` is not one this API issued.', { field: 'after' });
  }
  return { createdAt: at, id };
}

function toExclusionModel(row: ThreatExclusionRow): ThreatExclusionModel {
  return {
    id: row.id,
    groupId: row.groupId,
    type: row.type,
    value: row.value,
    comment: row.comment,
    createdById: row.createdById,
    createdByName: row.createdByName,
    createdAt: row.createdAt,
  };
}
