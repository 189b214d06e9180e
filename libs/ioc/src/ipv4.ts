/**
 * Strict IPv4: exactly four decimal parts 0..255 without leading zeros ("1.2.3.4"), nothing else. Returns the
 * address as an unsigned 32-bit integer, or null. One pass over char codes, no allocation: the matcher calls it
 * on every packet address it is given as text.
 */
export function parseIpv4(text: string): number | null {
  const length = text.length;
  if (length < 7 || length > 15) return null;
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= length; i++) {
    const c = i < length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || parts === 4) return null;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
      continue;
    }
    const digit = c - 0x30;
    if (digit < 0 || digit > 9) return null;
    // A leading zero is how inet_aton and browsers spell octal: refuse it rather than guess.
    if (digits === 1 && part === 0) return null;
    part = part * 10 + digit;
    if (part > 255) return null;
    digits++;
  }
  return parts === 4 ? value : null;
}

export function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}
