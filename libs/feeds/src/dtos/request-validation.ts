import { ValidationException } from '@threatline/errors';
import { z } from 'zod';
import { FeedsException, FeedsExceptionCode } from '../feeds.exception';
import { MAX_INDICATORS_PER_FEED } from '../feed-limits';

/** `is required` when absent, `must be <what>` otherwise: the messages of every request schema here. */
export const required = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
});

export const uuid = z
  .string(required('a string'))
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID')
  .transform((id) => id.toLowerCase());

/** Free text: at most `max` characters, no control characters but newline and tab. */
export function freeText(max: number) {
  return (
    z
      .string(required('a string'))
      .trim()
      .max(max, `must be at most ${max} characters`)
      // eslint-disable-next-line no-control-regex
      .regex(/^[^\u0000-\u0008\u000b-\u001f\u007f]*$/, 'must not contain control characters')
  );
}

/** Most problems one 400 answer lists; a body with 100,000 bad lines gets the first ones and a count. */
const MAX_LISTED_PROBLEMS = 20;

interface FieldProblem {
  field: string;
  message: string;
}

/** Refuses a list longer than MAX_INDICATORS_PER_FEED with 413 before any schema walks it. */
export function refuseOversizedList(body: unknown, field: string, what: string): void {
  if (typeof body !== 'object' || body === null) return;
  const list = (body as Record<string, unknown>)[field];
  if (Array.isArray(list) && list.length > MAX_INDICATORS_PER_FEED) {
    throw new FeedsException(
      FeedsExceptionCode.TOO_MANY_INDICATORS,
      `\`${field}\` holds ${list.length} ${what}; at most ${MAX_INDICATORS_PER_FEED} are accepted per request.`,
      { field, count: list.length, limit: MAX_INDICATORS_PER_FEED },
    );
  }
}

/** Parses `body` with `schema`, or throws a 400 naming every wrong field (`details.field` is the first). */
export function parseRequest<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.flatMap((issue): FieldProblem[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'is not a known field' }))
      : [{ field: issue.path.join('.') || '(body)', message: issue.message }],
  );
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
  const more = problems.length - listed.length;
  const summary =
    listed.map((problem) => `${problem.field} ${problem.message}`).join('; ') +
    (more > 0 ? `; and ${more} more` : '');
  throw new ValidationException(`Invalid ${what}: ${summary}.`, {
    field: problems[0]?.field ?? '(body)',
    problems: listed,
    ...(more > 0 ? { moreProblems: more } : {}),
  });
}

export const objectBody = {
  error: (issue: { code: string }) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined),
};
