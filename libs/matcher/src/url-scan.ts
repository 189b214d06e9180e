/** scanCleanUrl's result: positions in the raw URL of the canonical host and path (path includes the query). */
export const HOST_START = 0;
export const HOST_END = 1;
export const PATH_START = 2;
export const END = 3;
export const HOST_IS_IPV4 = 4;

const MAX_CLEAN_LENGTH = 2048;

/** Character classes for one table lookup per character. */
const LETTER = 1;
const DIGIT = 2;
const HYPHEN = 4;
/** No canonicalization step changes it in a path or query: RFC 3986 unreserved, sub-delims, ':', '@'. */
const SAFE = 8;
const CLASS = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@") {
  CLASS[c.charCodeAt(0)] = SAFE;
}
for (let c = 0x61; c <= 0x7a; c++) CLASS[c] = SAFE | LETTER;
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = SAFE | DIGIT;
CLASS[0x2d] = SAFE | HYPHEN;

/**
 * The fast path of URL canonicalization: true when the raw URL is `http(s)://host[:port]/path[?query][#fragment]`
 * with a host already lowercase and plain (letters, digits, hyphens; or strict dotted-decimal IPv4) and a path
 * with no escapes, no dot segments and no empty segments, so that its canonical form is the host and the path
 * exactly as written (the port and the fragment dropped). Fills `out` with the positions. Anything else returns
 * false and goes through @threatline/ioc's full canonicalizeUrl; the two agree (url-scan.spec checks it). One
 * pass over the characters, a table lookup each.
 */
export function scanCleanUrl(url: string, out: Int32Array): boolean {
  return scanCleanPrefix(url, out) && scanCleanPath(url, out);
}

/**
 * The first half of scanCleanUrl: true when the URL starts `http(s)://host[:port]/` with a plain host, filling
 * HOST_START, HOST_END, HOST_IS_IPV4 and PATH_START. The host is then final whatever the path holds (the full
 * canonicalization takes the host before the first '/', and a plain host has nothing to unescape), so a lookup
 * whose host matches nothing needs no look at the path.
 */
export function scanCleanPrefix(url: string, out: Int32Array): boolean {
  const length = url.length;
  if (length > MAX_CLEAN_LENGTH || length < 9) return false;
  // "http://" or "https://", compared code by code: startsWith is a builtin call, slower than this here.
  if (url.charCodeAt(0) !== 0x68 || url.charCodeAt(1) !== 0x74 || url.charCodeAt(2) !== 0x74) return false;
  if (url.charCodeAt(3) !== 0x70) return false;
  let i = url.charCodeAt(4) === 0x73 ? 5 : 4;
  if (url.charCodeAt(i) !== 0x3a || url.charCodeAt(i + 1) !== 0x2f || url.charCodeAt(i + 2) !== 0x2f)
    return false;
  i += 3;
  const hostStart = i;
  const host = scanHost(url, i);
  if (host < 0) return false;
  const hostEnd = host >>> 1;
  i = hostEnd;
  if (url.charCodeAt(i) === 0x3a) {
    i = skipPort(url, i + 1);
    if (i < 0) return false;
  }
  if (url.charCodeAt(i) !== 0x2f) return false;
  out[HOST_START] = hostStart;
  out[HOST_END] = hostEnd;
  out[PATH_START] = i;
  out[HOST_IS_IPV4] = host & 1;
  return true;
}

/** The second half of scanCleanUrl, after scanCleanPrefix filled `out`: true when the path and query from
 *  PATH_START are already canonical, filling END. */
export function scanCleanPath(url: string, out: Int32Array): boolean {
  const end = scanPath(url, out[PATH_START]!);
  if (end < 0) return false;
  out[END] = end;
  return true;
}

/**
 * The end of a plain host starting at `start`, times two, plus 1 when it is an IPv4 address; or -1. Plain: labels of 1..63 of [a-z0-9-], no hyphen at a label's
 * ends, no "--" at positions 3-4 (punycode and its look-alikes go to IDNA), at most 253 in all; and either four
 * decimal labels 0..255 without leading zeros (IPv4, already canonical) or a last label starting with a letter (a
 * last label starting with a digit may be a numeric IPv4 form: 0x7f, 127.1, 2130706433).
 */
function scanHost(url: string, start: number): number {
  let labelStart = start;
  let labels = 0;
  let numericLabels = 0;
  /** The OR of the classes of the label's characters: a label is decimal when no LETTER or HYPHEN is in it. */
  let classes = 0;
  let i = start;
  for (; ; i++) {
    const code = i < url.length ? url.charCodeAt(i) : 0;
    const kind = code < 128 ? CLASS[code]! : 0;
    // No branch on letter or digit inside a label: random names mix them, and a mispredicted branch every few
    // characters made this loop the costliest part of a URL lookup.
    if ((kind & (LETTER | DIGIT | HYPHEN)) !== 0) {
      classes |= kind;
      continue;
    }
    // A label ends here.
    const labelLength = i - labelStart;
    if (
      labelLength < 1 ||
      labelLength > 63 ||
      url.charCodeAt(labelStart) === 0x2d ||
      url.charCodeAt(i - 1) === 0x2d ||
      (labelLength >= 4 && url.charCodeAt(labelStart + 2) === 0x2d && url.charCodeAt(labelStart + 3) === 0x2d)
    ) {
      return -1;
    }
    labels++;
    // A decimal label 0..255 without a leading zero has at most three digits.
    if ((classes & (LETTER | HYPHEN)) === 0 && decimalOctet(url, labelStart, labelLength)) numericLabels++;
    if (code !== 0x2e) break;
    labelStart = i + 1;
    classes = 0;
  }
  if (i - start > 253) return -1;
  if (labels === 4 && numericLabels === 4) return i * 2 + 1;
  return (CLASS[url.charCodeAt(labelStart)]! & LETTER) === 0 ? -1 : i * 2;
}

/** Whether the digits url[start, start + length) are 0..255 without a leading zero. */
function decimalOctet(url: string, start: number, length: number): boolean {
  if (length === 1) return true;
  if (length > 3 || url.charCodeAt(start) === 0x30) return false;
  let value = 0;
  for (let j = start; j < start + length; j++) value = value * 10 + url.charCodeAt(j) - 0x30;
  return value <= 255;
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

/**
 * The end of the path and query (at '#' or the end), or -1 when they need canonicalizing: an unsafe character,
 * an empty segment ("//") or a "." or ".." segment in the path. The fragment must be plain too.
 */
function scanPath(url: string, start: number): number {
  const length = url.length;
  let segmentStart = start + 1;
  let end = -1;
  let inQuery = false;
  for (let i = start + 1; i <= length; i++) {
    const code = i < length ? url.charCodeAt(i) : 0x23;
    if (code < 128 && (CLASS[code]! & SAFE) !== 0) continue;
    if (code === 0x2f) {
      if (inQuery || end >= 0) continue;
      if (!plainSegment(url, segmentStart, i, true)) return -1;
      segmentStart = i + 1;
    } else if (code === 0x3f) {
      if (inQuery || end >= 0) continue;
      if (!plainSegment(url, segmentStart, i, false)) return -1;
      inQuery = true;
    } else if (code === 0x23) {
      if (end < 0) {
        if (!inQuery && !plainSegment(url, segmentStart, i, false)) return -1;
        end = i;
      }
      // The fragment is dropped, but checked like the rest: a control character there is still refused.
      if (i === length) return end;
    } else {
      return -1;
    }
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
