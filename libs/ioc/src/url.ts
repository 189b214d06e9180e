import { CanonicalUrl } from './canonical-url';
import { Rejection } from './rejection';
import { canonicalizeUrlFull } from './url-canonical';
import { fastCanonicalizeUrl } from './url-fast-path';

/**
 * Safe Browsing canonicalization of a URL, an indicator or one seen in traffic: the fast path for clean input,
 * the full algorithm for the rest. Never throws.
 */
export function canonicalizeUrl(raw: string): CanonicalUrl | Rejection {
  return fastCanonicalizeUrl(raw) ?? canonicalizeUrlFull(raw);
}
