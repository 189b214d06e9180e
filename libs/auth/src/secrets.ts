import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secrets the product hands out once and stores only hashed. Each kind has a recognizable
 * prefix (so a leaked one is easy to spot in logs and secret scanners) and 256 random bits.
 * A SHA-256 of such a secret is safe to store: with 256 bits of entropy there is nothing to
 * brute-force, and an exact-match index lookup by hash needs no per-row comparison.
 */
export enum SecretKind {
  API_KEY = 'tlk',
  ENROLLMENT_TOKEN = 'tle',
  FIREWALL_CREDENTIAL = 'tlf',
}

const SECRET_BYTES = 32;

export interface IssuedSecret {
  /** Shown to the caller exactly once. */
  secret: string;
  /** What is stored. */
  hash: string;
  /** The first characters, safe to show in lists so people can tell keys apart. */
  prefix: string;
}

export function issueSecret(kind: SecretKind): IssuedSecret {
  const secret = `${kind}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
  return { secret, hash: hashSecret(secret), prefix: secret.slice(0, kind.length + 9) };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** True when `secret` has the shape of a secret of `kind`: cheap rejection before any lookup. */
export function looksLikeSecret(secret: string, kind: SecretKind): boolean {
  return (
    secret.length === kind.length + 1 + 43 && secret.startsWith(`${kind}_`) && /^[A-Za-z0-9_-]+$/.test(secret)
  );
}

/** Constant-time comparison of two hex hashes. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
