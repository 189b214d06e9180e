import { CanonicalUrl } from './canonical-url';
import { reject, Rejection } from './rejection';
import { canonicalizeUrlFull } from './url-canonical';
import { fastCanonicalizeUrl } from './url-fast-path';

/**
 * Safe Browsing canonicalization of a URL, an indicator or one seen in traffic: the fast path for clean input,
 * the full algorithm for the rest. Never throws, not even for a non-string from an untyped caller.
 */
export function canonicalizeUrl(raw: string): CanonicalUrl | Rejection {
  if (typeof raw !== 'string') return reject('EMPTY', 'the URL is not a string');
  return fastCanonicalizeUrl(raw) ?? canonicalizeUrlFull(raw);
}
