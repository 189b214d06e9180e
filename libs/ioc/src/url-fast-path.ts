import { CanonicalUrl } from './canonical-url';
import { parseIpv4 } from './ipv4';
import { MAX_LINE_LENGTH } from './limits';

const HOST_CHAR = 1;
const PATH_CHAR = 2;
const PLAIN_PATH_CHAR = 4;

/**
 * Class bits of every UTF-16 code unit (64 KiB, so the scan needs no range check): HOST_CHAR for [a-z0-9_-];
 * PATH_CHAR for printable ASCII except '%' and '#'; PLAIN_PATH_CHAR for those except '/' and '?', the path
 * characters that need no further look.
 */
const CHAR_CLASS = new Uint8Array(0x10000);
for (let c = 0x21; c < 0x7f; c++) {
  const isHostChar = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
  const isPathChar = c !== 0x25 && c !== 0x23;
  const isPlain = isPathChar && c !== 0x2f && c !== 0x3f;
  CHAR_CLASS[c] =
    (isHostChar ? HOST_CHAR : 0) | (isPathChar ? PATH_CHAR : 0) | (isPlain ? PLAIN_PATH_CHAR : 0);
}

/**
 * Canonical form of an already-clean URL, or null when the input needs the full algorithm. Clean means:
 * "http://", "https://" or no scheme; a host of lowercase letters, digits, '-', '_' and single inner dots whose
 * last label is not numeric unless the host is a canonical dotted-decimal IPv4; then optionally a path and a
 * query of printable ASCII without '%', '#', "//" or a segment starting with '.'. For such input every step of
 * the full algorithm is the identity (nothing to unescape, trim, resolve, lowercase or escape), so one scan over
 * char codes and three slices give the same result; a property test holds the two paths together. Most traffic
 * URLs are clean, and the matcher canonicalizes one per request.
 */
export function fastCanonicalizeUrl(raw: string): CanonicalUrl | null {
  const length = raw.length;
  if (length > MAX_LINE_LENGTH) return null;
  let i = raw.startsWith('http://') ? 7 : raw.startsWith('https://') ? 8 : 0;
  const hostStart = i;
  let lastLabelStart = i;
  let c = 0;
  // Host: labels of HOST_CHARs separated by single dots, ended by '/', '?' or the end.
  for (; i < length; i++) {
    c = raw.charCodeAt(i);
    if ((CHAR_CLASS[c]! & HOST_CHAR) !== 0) continue;
    if (c !== 0x2e || i === lastLabelStart) break;
    lastLabelStart = i + 1;
  }
  if (i === lastLabelStart) return null;
  const hostEnd = i;
  if (hostEnd < length && c !== 0x2f && c !== 0x3f) return null;
  const host = raw.slice(hostStart, hostEnd);
  const lastLabelFirst = raw.charCodeAt(lastLabelStart);
  const hostIsIpv4 = lastLabelFirst >= 0x30 && lastLabelFirst <= 0x39;
  if (hostIsIpv4 && parseIpv4(host) === null) return null;

  let path = '/';
  if (c === 0x2f && i < length) {
    const pathStart = i;
    for (; i < length; i++) {
      c = raw.charCodeAt(i);
      if ((CHAR_CLASS[c]! & PLAIN_PATH_CHAR) !== 0) continue;
      if (c === 0x3f) break;
      // "//" collapses and a segment starting with '.' may be a dot-segment: both need the full algorithm.
      const next = raw.charCodeAt(i + 1);
      if (c !== 0x2f || next === 0x2f || next === 0x2e) return null;
    }
    path = raw.slice(pathStart, i);
  }
  let query: string | null = null;
  if (i < length) {
    for (let k = i + 1; k < length; k++) {
      const q = raw.charCodeAt(k);
      if ((CHAR_CLASS[q]! & PATH_CHAR) === 0) return null;
    }
    query = raw.slice(i + 1);
  }
  return { host, path, query, hostIsIpv4 };
}
