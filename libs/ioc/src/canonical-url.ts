/**
 * A URL canonicalized as Safe Browsing says. host: lowercase ASCII/punycode or dotted-decimal IPv4, escaped;
 * path: starts with "/", dot-segments resolved, escaped; query: without the "?", or null when there was no "?"
 * ("" when there was one with nothing after it). Scheme, userinfo, port and fragment are not part of it.
 */
export interface CanonicalUrl {
  host: string;
  path: string;
  query: string | null;
  hostIsIpv4: boolean;
}

/** The scheme-less string form, as stored for URL indicators: "evil.com/dl/x.exe", "1.2.3.4/a?b=c". */
export function formatCanonicalUrl(url: CanonicalUrl): string {
  return url.query === null ? url.host + url.path : `${url.host}${url.path}?${url.query}`;
}
