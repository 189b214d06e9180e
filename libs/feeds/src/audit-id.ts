import { randomBytes } from 'node:crypto';

/** Crockford's base32: no I, L, O or U, so an ID read aloud or typed from a screenshot survives. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export type AuditIdPrefix = 'MDR' | 'XOPS';

/** `MDR-20261123-K7F3Q9XA`: who published, the UTC day, 40 random bits. */
export const AUDIT_ID_PATTERN = /^(MDR|XOPS)-\d{8}-[0-9A-HJKMNP-TV-Z]{8}$/;

/**
 * A new audit ID: human-readable (source and day at a glance), searchable as one token, and unique: the random
 * part makes a collision within one day about one in a million after 1.5 million feeds, and the database's
 * unique index turns that one into a retry (see FeedsRepository).
 */
export function newAuditId(prefix: AuditIdPrefix, now: Date = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  const bytes = randomBytes(5);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let random = '';
  for (let i = 0; i < 8; i++) {
    random = CROCKFORD[Number(bits & 31n)]! + random;
    bits >>= 5n;
  }
  return `${prefix}-${day}-${random}`;
}
