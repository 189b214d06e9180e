/**
 * Stable rejection codes. Other layers (HTTP, GraphQL, feed import) map them by exhaustive switch and show
 * them to analysts, so a code is never renamed or reused for another meaning; new ones are only appended.
 */
export const REJECTION_CODES = [
  'EMPTY',
  'TOO_LONG',
  'CONTROL_CHARACTER',
  'INVISIBLE_CHARACTER',
  'INVALID_UNICODE',
  'DEFANGED',
  'TYPE_UNDETECTED',
  'TYPE_MISMATCH',
  'IPV4_INVALID',
  'IPV4_NON_CANONICAL',
  'IPV6_UNSUPPORTED',
  'CIDR_INVALID',
  'CIDR_PREFIX_OUT_OF_RANGE',
  'CIDR_HOST_BITS_SET',
  'CIDR_TOO_BROAD',
  'DOMAIN_INVALID',
  'DOMAIN_LABEL_TOO_LONG',
  'DOMAIN_TOO_LONG',
  'DOMAIN_TOO_BROAD',
  'DOMAIN_IDNA_INVALID',
  'URL_INVALID',
  'URL_SCHEME_NOT_ALLOWED',
  'URL_HOST_INVALID',
  'HOST_INVALID',
  'BLOCKLIST_RULE_UNSUPPORTED',
] as const;

export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  ok: false;
  code: RejectionCode;
  /** One sentence for a human: what is wrong and where. */
  message: string;
  /** A value that would be accepted and that the input most likely meant, when there is one. */
  suggestion?: string;
}

export function reject(code: RejectionCode, message: string, suggestion?: string): Rejection {
  return suggestion === undefined ? { ok: false, code, message } : { ok: false, code, message, suggestion };
}

export function isRejection(value: unknown): value is Rejection {
  return typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false;
}

/** The input as quoted in a message: whole when short, its start otherwise, so messages stay one line long. */
export function shown(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 77)}...`;
}
