import { canonicalizeUrl } from '@threatline/ioc';
import { END, HOST_END, HOST_IS_IPV4, HOST_START, PATH_START, scanCleanUrl } from './url-scan';

/**
 * Canonicalizes a traffic URL into `positions` (url-scan.ts layout) and returns the string they index: the raw
 * URL itself when scanCleanUrl says it is already canonical (no allocation), else @threatline/ioc's canonical form
 * joined into one string. null when the URL cannot be canonicalized: it then matches nothing.
 */
export function canonicalUrlText(raw: string, positions: Int32Array): string | null {
  if (scanCleanUrl(raw, positions)) return raw;
  const canonical = canonicalizeUrl(raw);
  if ('ok' in canonical) return null;
  const { host, path, query } = canonical;
  positions[HOST_START] = 0;
  positions[HOST_END] = host.length;
  positions[PATH_START] = host.length;
  const text = query === null ? host + path : `${host}${path}?${query}`;
  positions[END] = text.length;
  positions[HOST_IS_IPV4] = canonical.hostIsIpv4 ? 1 : 0;
  return text;
}
