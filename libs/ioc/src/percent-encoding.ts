/*
 * Safe Browsing canonicalization works on bytes: percent-escapes decode to bytes that need not be UTF-8
 * ("%80"), and escaping is per byte. Here a byte string is a JS "binary string": one char per byte, codes
 * 0..255. Escaping such a string turns it back into plain ASCII text.
 */

const utf8Decoder = new TextDecoder('utf-8');
/** Turns 16-bit units back into a string: with one byte per unit, the binary string of those bytes. */
const utf16Decoder = new TextDecoder('utf-16le');
const HEX_DIGITS = '0123456789ABCDEF';

/**
 * The UTF-8 bytes of `text` (which holds no unpaired surrogate), percent-unescaped repeatedly until no "%XX"
 * is left, as a binary string. Decoding "%XX" never overlaps another escape, so every order of decoding reaches
 * the same result; this one decodes on a stack in a single pass (a decoded byte can only complete an escape
 * that ends at the top), so "%2525252525" costs linear time instead of one pass per level.
 */
export function unescapeRepeatedly(text: string): string {
  if (isPlainAscii(text)) return text;
  const out = new Uint16Array(text.length * 3);
  let top = 0;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      out[top++] = code;
      if (code === 0x25 || top < 3 || out[top - 3] !== 0x25) continue;
      // The new byte may complete "%XX", and the decoded byte may complete another one, and so on.
      while (top >= 3 && out[top - 3] === 0x25) {
        const high = hexValue(out[top - 2] ?? 0);
        const low = hexValue(out[top - 1] ?? 0);
        if (high < 0 || low < 0) break;
        top -= 2;
        out[top - 1] = high * 16 + low;
      }
      continue;
    }
    if (code >= 0xd800 && code <= 0xdbff) {
      code = 0x10000 + ((code - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
      out[top++] = 0xf0 | (code >> 18);
      out[top++] = 0x80 | ((code >> 12) & 0x3f);
    } else if (code >= 0x800) {
      out[top++] = 0xe0 | (code >> 12);
    } else {
      out[top++] = 0xc0 | (code >> 6);
      out[top++] = 0x80 | (code & 0x3f);
      continue;
    }
    out[top++] = 0x80 | ((code >> 6) & 0x3f);
    out[top++] = 0x80 | (code & 0x3f);
  }
  return utf16Decoder.decode(out.subarray(0, top));
}

/** ASCII without '%': its UTF-8 bytes are its chars and there is nothing to unescape. */
function isPlainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80 || code === 0x25) return false;
  }
  return true;
}

/** Safe Browsing escaping: bytes <= 0x20 (space and controls), >= 0x7F, '#' and '%' become "%XX" (uppercase). */
export function escapeBinary(binary: string): string {
  let escaped = '';
  let copiedUpTo = 0;
  for (let i = 0; i < binary.length; i++) {
    const c = binary.charCodeAt(i);
    if (c > 0x20 && c < 0x7f && c !== 0x23 && c !== 0x25) continue;
    escaped += binary.slice(copiedUpTo, i) + '%' + HEX_DIGITS.charAt(c >> 4) + HEX_DIGITS.charAt(c & 15);
    copiedUpTo = i + 1;
  }
  return copiedUpTo === 0 ? binary : escaped + binary.slice(copiedUpTo);
}

export function hasNonAsciiByte(binary: string): boolean {
  for (let i = 0; i < binary.length; i++) if (binary.charCodeAt(i) > 0x7f) return true;
  return false;
}

/** Whether the bytes are well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF). */
export function isWellFormedUtf8(binary: string): boolean {
  let i = 0;
  while (i < binary.length) {
    const b0 = binary.charCodeAt(i);
    let need: number;
    let min: number;
    let codePoint: number;
    if (b0 < 0x80) {
      i++;
      continue;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      need = 1;
      min = 0x80;
      codePoint = b0 & 0x1f;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      min = 0x800;
      codePoint = b0 & 0x0f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      min = 0x10000;
      codePoint = b0 & 0x07;
    } else {
      return false;
    }
    for (let k = 1; k <= need; k++) {
      const b = binary.charCodeAt(i + k);
      if (!(b >= 0x80 && b <= 0xbf)) return false;
      codePoint = (codePoint << 6) | (b & 0x3f);
    }
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}

/** Decodes well-formed UTF-8 bytes (check with isWellFormedUtf8 first). */
export function decodeUtf8(binary: string): string {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return utf8Decoder.decode(bytes);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
