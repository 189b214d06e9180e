/** Most indicators one push (or one X-Ops import) may carry; more is a 413 and nothing is stored. */
export const MAX_INDICATORS_PER_FEED = 100_000;

/**
 * The JSON body limit of `POST /api/v1/feeds` and the text limit of `POST /api/v1/xops/imports`, above the
 * process-wide HTTP_BODY_LIMIT: 100,000 indicators of a typical 60 to 200 bytes each, with room for per-line
 * descriptions. Every other route keeps HTTP_BODY_LIMIT.
 */
export const FEED_BODY_LIMIT_BYTES = 32 * 1024 ** 2;

/** The routes that take FEED_BODY_LIMIT_BYTES, and the body type each parses. */
export const FEED_BODY_ROUTES = [
  { method: 'POST', path: '/api/v1/feeds', type: 'json' },
  { method: 'POST', path: '/api/v1/xops/imports', type: 'text' },
] as const;

/** Longest indicator lifetime (`ttlSeconds`): one year. Longer-lived indicators are pushed without a TTL. */
export const MAX_TTL_SECONDS = 365 * 24 * 3600;

/** Longest feed description and per-indicator description. */
export const MAX_FEED_DESCRIPTION_LENGTH = 1000;
export const MAX_INDICATOR_DESCRIPTION_LENGTH = 500;

/** Most tenants and groups one push may name. */
export const MAX_TARGETS_PER_FEED = 1000;
