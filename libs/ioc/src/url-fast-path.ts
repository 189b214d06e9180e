import { CanonicalUrl } from './canonical-url';
import { parseIpv4 } from './ipv4';
import { MAX_LINE_LENGTH } from './limits';

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
  let i = schemeLength(raw);
  const hostStart = i;
  let lastLabelStart = i;
  let afterDot = true;
  let c = 0;
  for (; i < length; i++) {
    c = raw.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f) {
      afterDot = false;
    } else if (c === 0x2e) {
      if (afterDot) return null;
      afterDot = true;
      lastLabelStart = i + 1;
    } else if (c === 0x2f || c === 0x3f) {
      break;
    } else {
      return null;
    }
  }
  if (afterDot) return null;
  const hostEnd = i;
  const host = raw.slice(hostStart, hostEnd);
  const lastLabelFirst = raw.charCodeAt(lastLabelStart);
  const hostIsIpv4 = lastLabelFirst >= 0x30 && lastLabelFirst <= 0x39;
  if (hostIsIpv4 && parseIpv4(host) === null) return null;

  let path = '/';
  if (i < length && c === 0x2f) {
    const pathStart = i;
    let previous = 0;
    for (; i < length; i++) {
      c = raw.charCodeAt(i);
      if (c === 0x3f) break;
      if (c <= 0x20 || c >= 0x7f || c === 0x25 || c === 0x23) return null;
      // "//" collapses and a segment starting with '.' may be a dot-segment: both need the full algorithm.
      if (previous === 0x2f && (c === 0x2f || c === 0x2e)) return null;
      previous = c;
    }
    path = raw.slice(pathStart, i);
  }
  let query: string | null = null;
  if (i < length) {
    for (let k = i + 1; k < length; k++) {
      const q = raw.charCodeAt(k);
      if (q <= 0x20 || q >= 0x7f || q === 0x25 || q === 0x23) return null;
    }
    query = raw.slice(i + 1);
  }
  return { host, path, query, hostIsIpv4 };
}

/** Length of a leading "http://" or "https://" (exactly, lowercase), else 0. */
function schemeLength(raw: string): number {
  if (
    raw.charCodeAt(0) !== 0x68 ||
    raw.charCodeAt(1) !== 0x74 ||
    raw.charCodeAt(2) !== 0x74 ||
    raw.charCodeAt(3) !== 0x70
  ) {
    return 0;
  }
  if (raw.charCodeAt(4) === 0x3a) return raw.charCodeAt(5) === 0x2f && raw.charCodeAt(6) === 0x2f ? 7 : 0;
  if (raw.charCodeAt(4) === 0x73 && raw.charCodeAt(5) === 0x3a) {
    return raw.charCodeAt(6) === 0x2f && raw.charCodeAt(7) === 0x2f ? 8 : 0;
  }
  return 0;
}
