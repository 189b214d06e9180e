/** scanCleanUrl's result: positions in the raw URL of the canonical host and path (path includes the query). */
export const HOST_START = 0;
export const HOST_END = 1;
export const PATH_START = 2;
export const END = 3;
export const HOST_IS_IPV4 = 4;

const MAX_CLEAN_LENGTH = 2048;
/** Characters that no canonicalization step changes in a path or a query: RFC 3986 unreserved, sub-delims, ':', '@',
 *  '/' (and '?' in a query). Everything else ('%', '\\', spaces, controls, non-ASCII, ...) takes the full path. */
const SAFE = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/") {
  SAFE[c.charCodeAt(0)] = 1;
}

/**
 * The fast path of URL canonicalization: true when the raw URL is `http(s)://host[:port]/path[?query][#fragment]`
 * with a host already lowercase and plain (letters, digits, hyphens; or strict dotted-decimal IPv4) and a path
 * with no escapes, no dot segments and no empty segments, so that its canonical form is the host and the path
 * exactly as written (the port and the fragment dropped). Fills `out` with the positions. Anything else returns
 * false and goes through @threatline/ioc's full canonicalizeUrl; the two agree (url-scan.spec checks it).
 */
export function scanCleanUrl(url: string, out: Int32Array): boolean {
  const length = url.length;
  if (length > MAX_CLEAN_LENGTH || length < 9) return false;
  let i: number;
  if (url.startsWith('http://')) i = 7;
  else if (url.startsWith('https://')) i = 8;
  else return false;
  const hostStart = i;
  const hostEnd = scanHost(url, i);
  if (hostEnd < 0) return false;
  const hostIsIpv4 = isDottedDecimal(url, hostStart, hostEnd);
  if (!hostIsIpv4 && !lastLabelStartsWithLetter(url, hostStart, hostEnd)) return false;
  i = hostEnd;
  if (url.charCodeAt(i) === 0x3a) {
    i = skipPort(url, i + 1);
    if (i < 0) return false;
  }
  if (url.charCodeAt(i) !== 0x2f) return false;
  const pathStart = i;
  const end = scanPath(url, i);
  if (end < 0) return false;
  out[HOST_START] = hostStart;
  out[HOST_END] = hostEnd;
  out[PATH_START] = pathStart;
  out[END] = end;
  out[HOST_IS_IPV4] = hostIsIpv4 ? 1 : 0;
  return true;
}

/** The end of a plain host starting at `start` (labels of 1..63 of [a-z0-9-], no hyphen at a label's ends, no
 *  "--" at positions 3-4 as in punycode, at most 253 in all), or -1. */
function scanHost(url: string, start: number): number {
  let labelStart = start;
  let i = start;
  for (; i < url.length; i++) {
    const code = url.charCodeAt(i);
    if (code === 0x2e) {
      if (!plainLabel(url, labelStart, i)) return -1;
      labelStart = i + 1;
    } else if (!((code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x2d)) {
      break;
    }
  }
  if (!plainLabel(url, labelStart, i) || i - start > 253) return -1;
  return i;
}

function plainLabel(url: string, start: number, end: number): boolean {
  const length = end - start;
  if (length < 1 || length > 63) return false;
  if (url.charCodeAt(start) === 0x2d || url.charCodeAt(end - 1) === 0x2d) return false;
  return !(length >= 4 && url.charCodeAt(start + 2) === 0x2d && url.charCodeAt(start + 3) === 0x2d);
}

/** Four decimal parts 0..255 without leading zeros: the only IPv4 spelling that is already canonical. */
function isDottedDecimal(url: string, start: number, end: number): boolean {
  let parts = 0;
  let i = start;
  while (i <= end) {
    let value = 0;
    const partStart = i;
    for (; i < end; i++) {
      const code = url.charCodeAt(i);
      if (code === 0x2e) break;
      if (code < 0x30 || code > 0x39) return false;
      value = value * 10 + code - 0x30;
    }
    const digits = i - partStart;
    if (digits < 1 || digits > 3 || value > 255 || (digits > 1 && url.charCodeAt(partStart) === 0x30))
      return false;
    parts++;
    i++;
  }
  return parts === 4;
}

/** A last label starting with a digit may be a numeric IPv4 form (0x7f, 127.1, 2130706433): full path. */
function lastLabelStartsWithLetter(url: string, start: number, end: number): boolean {
  let i = end - 1;
  while (i > start && url.charCodeAt(i - 1) !== 0x2e) i--;
  const code = url.charCodeAt(i);
  return code >= 0x61 && code <= 0x7a;
}

/** After ':', 1..5 digits of a port up to 65535; returns the index after them or -1. */
function skipPort(url: string, start: number): number {
  let value = 0;
  let i = start;
  for (; i < url.length && i - start < 6; i++) {
    const code = url.charCodeAt(i);
    if (code < 0x30 || code > 0x39) break;
    value = value * 10 + code - 0x30;
  }
  return i === start || i - start > 5 || value > 65535 ? -1 : i;
}

/** The end of the path and query (at '#' or the end), or -1 when they need canonicalizing: an unsafe character,
 *  an empty segment ("//") or a "." or ".." segment in the path. The fragment must be plain too. */
function scanPath(url: string, start: number): number {
  const length = url.length;
  let segmentStart = start + 1;
  let i = start + 1;
  for (; i < length; i++) {
    const code = url.charCodeAt(i);
    if (code === 0x2f || code === 0x3f || code === 0x23) {
      if (!plainSegment(url, segmentStart, i, code === 0x2f)) return -1;
      if (code !== 0x2f) break;
      segmentStart = i + 1;
    } else if (code >= 0x80 || SAFE[code] === 0) {
      return -1;
    }
  }
  if (i === length) return plainSegment(url, segmentStart, i, false) ? length : -1;
  let end = i;
  if (url.charCodeAt(i) === 0x3f) {
    for (i++; i < length; i++) {
      const code = url.charCodeAt(i);
      if (code === 0x23) break;
      if (code >= 0x80 || (SAFE[code] === 0 && code !== 0x3f)) return -1;
    }
    end = i;
  }
  for (i++; i < length; i++) {
    const code = url.charCodeAt(i);
    if (code >= 0x80 || (SAFE[code] === 0 && code !== 0x3f && code !== 0x23)) return -1;
  }
  return end;
}

/** A path segment the canonicalization keeps as is: not "." or "..", and not empty before a '/'. */
function plainSegment(url: string, start: number, end: number, beforeSlash: boolean): boolean {
  const length = end - start;
  if (length === 0) return !beforeSlash;
  if (url.charCodeAt(start) !== 0x2e) return true;
  return !(length === 1 || (length === 2 && url.charCodeAt(start + 1) === 0x2e));
}
