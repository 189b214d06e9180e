import { IOC_TYPES, type IocType } from '@threatline/ioc';
import { z } from 'zod';
import {
  MAX_FEED_DESCRIPTION_LENGTH,
  MAX_INDICATOR_DESCRIPTION_LENGTH,
  MAX_INDICATORS_PER_FEED,
  MAX_TARGETS_PER_FEED,
  MAX_TTL_SECONDS,
} from '../feed-limits';
import {
  freeText,
  objectBody,
  parseRequest,
  refuseOversizedList,
  required,
  uuid,
} from './request-validation';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const indicatorLine = z.strictObject(
  {
    // Any string: what is wrong with its content is a per-line rejection, never a 400 (see FeedsService).
    value: z.string(required('a string')),
    type: z.enum(IOC_TYPES as [IocType, ...IocType[]], required(`one of ${IOC_TYPES.join(', ')}`)).optional(),
    ttlSeconds: z
      .number(required('a number'))
      .int('must be a whole number of seconds')
      .min(1, 'must be at least 1')
      .max(MAX_TTL_SECONDS, `must be at most ${MAX_TTL_SECONDS} (one year)`)
      .optional(),
    description: freeText(MAX_INDICATOR_DESCRIPTION_LENGTH).optional(),
  },
  objectBody,
);

const idList = (what: string) =>
  z
    .array(uuid, required(`a list of ${what} ids`))
    .max(MAX_TARGETS_PER_FEED, `must name at most ${MAX_TARGETS_PER_FEED} ${what}s`)
    .transform((ids) => [...new Set(ids)]);

/** The body of `POST /api/v1/feeds` (contract section 4). Unknown fields are refused. */
export const pushFeedRequestSchema = z.strictObject(
  {
    tenantIds: idList('tenant').refine((ids) => ids.length > 0, 'must name at least one tenant'),
    groupIds: idList('group').optional(),
    description: freeText(MAX_FEED_DESCRIPTION_LENGTH).optional(),
    severity: z.enum(SEVERITIES, required(`one of ${SEVERITIES.join(', ')}`)).optional(),
    dryRun: z.boolean(required('true or false')).optional(),
    indicators: z
      .array(indicatorLine, required('a list of indicators'))
      .min(1, 'must hold at least one indicator')
      .max(MAX_INDICATORS_PER_FEED, `must hold at most ${MAX_INDICATORS_PER_FEED} indicators`),
  },
  objectBody,
);

export type PushFeedRequest = z.output<typeof pushFeedRequestSchema>;
export type PushedLine = PushFeedRequest['indicators'][number];

/** Validates a push: 413 past MAX_INDICATORS_PER_FEED lines, 400 naming every wrong field. */
export function parsePushFeedRequest(body: unknown): PushFeedRequest {
  refuseOversizedList(body, 'indicators', 'indicators');
  return parseRequest(pushFeedRequestSchema, body, 'feed push');
}

/** The body of `POST /api/v1/indicators/normalize`. */
export const normalizeRequestSchema = z.strictObject(
  {
    values: z
      .array(z.string(required('a string')), required('a list of strings'))
      .min(1, 'must hold at least one value')
      .max(MAX_INDICATORS_PER_FEED, `must hold at most ${MAX_INDICATORS_PER_FEED} values`),
  },
  objectBody,
);

export type NormalizeRequest = z.output<typeof normalizeRequestSchema>;

export function parseNormalizeRequest(body: unknown): NormalizeRequest {
  refuseOversizedList(body, 'values', 'values');
  return parseRequest(normalizeRequestSchema, body, 'normalize request');
}
