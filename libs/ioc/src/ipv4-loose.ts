export type Ipv4PartForm = 'decimal' | 'octal' | 'hex';

export interface LooseIpv4 {
  value: number;
  /** How many dot-separated parts were written (fewer than four is the short form). */
  partCount: number;
  forms: Ipv4PartForm[];
}

const MAX_UINT32 = 0xffffffff;

/**
 * Every IPv4 spelling that inet_aton, browsers and Safe Browsing accept: one to four parts, each decimal,
 * octal (leading 0) or hexadecimal (0x); the last part fills the remaining bytes ("127.1" is 127.0.0.1,
 * "3279880203" is 195.127.0.11). Returns null when the text is not such an address.
 */
export function parseLooseIpv4(text: string): LooseIpv4 | null {
  const parts = text.split('.');
  if (parts.length > 4) return null;
  const forms: Ipv4PartForm[] = [];
  let value = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parseLoosePart(parts[i] ?? '');
    if (part === null) return null;
    const isLast = i === parts.length - 1;
    const limit = isLast ? 256 ** (5 - parts.length) : 256;
    if (part.value >= limit) return null;
    forms.push(part.form);
    value = isLast ? value * 256 ** (5 - parts.length) + part.value : value * 256 + part.value;
  }
  return { value, partCount: parts.length, forms };
}

function parseLoosePart(part: string): { value: number; form: Ipv4PartForm } | null {
  if (part.length === 0) return null;
  let radix = 10;
  let start = 0;
  let form: Ipv4PartForm = 'decimal';
  if (part.length >= 2 && part.charCodeAt(0) === 0x30) {
    const second = part.charCodeAt(1) | 0x20;
    if (second === 0x78) {
      radix = 16;
      start = 2;
      form = 'hex';
    } else {
      radix = 8;
      start = 1;
      form = 'octal';
    }
  }
  let value = 0;
  for (let i = start; i < part.length; i++) {
    const digit = digitValue(part.charCodeAt(i));
    if (digit >= radix) return null;
    value = value * radix + digit;
    if (value > MAX_UINT32) return null;
  }
  return { value, form };
}

function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return 99;
}
