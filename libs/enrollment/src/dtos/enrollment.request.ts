import { ValidationException } from '@threatline/errors';
import { z } from 'zod';

const required = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
});

// Printable text without control characters; the agent reports these from the device.
const deviceText = z
  .string(required('a string'))
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

/** The body of POST /api/v1/enrollments (contract section 4). Unknown fields are refused. */
export const enrollmentRequestSchema = z.strictObject(
  {
    token: z.string(required('a string')).min(1, 'must not be empty').max(256, 'is not an enrollment token'),
    serial: z
      .string(required('a string'))
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1 to 64 letters, digits, ".", "_" or "-"'),
    hostname: z
      .string(required('a string'))
      .regex(/^[A-Za-z0-9._-]{1,253}$/, 'must be 1 to 253 letters, digits, ".", "_" or "-"')
      .optional(),
    model: deviceText.optional(),
    version: deviceText.optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) },
);

export type EnrollmentRequest = z.output<typeof enrollmentRequestSchema>;

interface FieldProblem {
  field: string;
  message: string;
}

/** Validates the body, naming every wrong field: `details.field` is the first, `details.problems` all. */
export function parseEnrollmentRequest(body: unknown): EnrollmentRequest {
  const parsed = enrollmentRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.flatMap((issue): FieldProblem[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: key, message: 'is not a known field' }))
      : [{ field: issue.path.join('.') || '(body)', message: issue.message }],
  );
  const summary = problems.map((problem) => `${problem.field} ${problem.message}`).join('; ');
  throw new ValidationException(`Invalid enrollment request: ${summary}.`, {
    field: problems[0]?.field ?? '(body)',
    problems,
  });
}
