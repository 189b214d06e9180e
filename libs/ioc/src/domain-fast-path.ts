import { MAX_DOMAIN_LENGTH, MAX_LABEL_LENGTH } from './limits';

/**
 * The canonical form of a plain ASCII name (letters, digits, '-', '_', at most one trailing dot, valid lengths),
 * in one pass over char codes; null when the name needs the full path (IDNA, punycode labels, a numeric last
 * label that may be an IPv4 form, anything odd). For such names UTS #46 only lowercases, so the result equals
 * the full path's; a property test holds the two together.
 */
export function fastCanonicalDomain(raw: string): string | null {
  const length = raw.length;
  const end = length > 0 && raw.charCodeAt(length - 1) === 0x2e ? length - 1 : length;
  if (end === 0 || end > MAX_DOMAIN_LENGTH) return null;
  let labelStart = 0;
  let lastLabelStart = 0;
  let upper = false;
  for (let i = 0; i <= end; i++) {
    const c = i < end ? raw.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      const labelLength = i - labelStart;
      if (labelLength === 0 || labelLength > MAX_LABEL_LENGTH) return null;
      // "xn--" (any "??--" prefix): punycode must be decoded and validated by IDNA.
      if (
        labelLength >= 4 &&
        raw.charCodeAt(labelStart + 2) === 0x2d &&
        raw.charCodeAt(labelStart + 3) === 0x2d
      ) {
        return null;
      }
      lastLabelStart = labelStart;
      labelStart = i + 1;
    } else if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f) {
      continue;
    } else if (c >= 0x41 && c <= 0x5a) {
      upper = true;
    } else {
      return null;
    }
  }
  const first = raw.charCodeAt(lastLabelStart);
  if (first >= 0x30 && first <= 0x39) return null;
  const name = end === length ? raw : raw.slice(0, end);
  return upper ? name.toLowerCase() : name;
}
