import { ValidationException } from '@threatline/errors';
import { z } from 'zod';
import {
  ThreatEventAction,
  ThreatEventDirection,
  ThreatEventModule,
  ThreatEventSource,
} from '../models/enums';
import type { ThreatEventFilter } from '../query/event-query';
import { MAX_EXPORT_ROWS } from '../query/threat-events.service';

const text = (max: number) => z.string().min(1).max(max);
/** Enum values as GraphQL spells them (DROP) or as stored (drop). */
const enumOf = <E extends Record<string, string>>(values: E) =>
  z.string().transform((value, context) => {
    const found = Object.entries(values).find(
      ([name, stored]) => name === value.toUpperCase() || stored === value,
    );
    if (found) return found[1] as E[keyof E];
    context.addIssue({ code: 'custom', message: `must be one of ${Object.keys(values).join(', ')}` });
    return z.NEVER;
  });
const instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

const exportQuerySchema = z.strictObject({
  tenantId: text(64).optional(),
  auditId: text(64).optional(),
  firewallId: text(64).optional(),
  groupId: text(64).optional(),
  indicator: text(4096).optional(),
  source: enumOf(ThreatEventSource).optional(),
  action: enumOf(ThreatEventAction).optional(),
  direction: enumOf(ThreatEventDirection).optional(),
  module: enumOf(ThreatEventModule).optional(),
  dryRun: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
  from: instant.optional(),
  to: instant.optional(),
  endpointHost: text(255).optional(),
  endpointUser: text(255).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_EXPORT_ROWS).optional(),
});

export interface ExportRequest {
  filter: ThreatEventFilter;
  limit: number;
}

/** The query string of an export, checked: each parameter at most once, unknown ones refused. */
export function parseExportRequest(query: Record<string, unknown>): ExportRequest {
  const repeated = Object.entries(query).find(([, value]) => typeof value !== 'string');
  if (repeated) {
    throw new ValidationException(`\`${repeated[0]}\` must be given once.`, { field: repeated[0] });
  }
  const parsed = exportQuerySchema.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.code === 'unrecognized_keys' ? (issue.keys[0] ?? '') : (issue?.path.join('.') ?? '');
    const message =
      issue?.code === 'unrecognized_keys' ? 'is not a known parameter' : (issue?.message ?? 'is invalid');
    throw new ValidationException(`Invalid export: \`${field}\` ${message}.`, { field });
  }
  const { limit, ...filter } = parsed.data;
  return { filter, limit: limit ?? MAX_EXPORT_ROWS };
}
