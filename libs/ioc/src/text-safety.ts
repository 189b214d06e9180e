import { formatCodePoint } from './code-point';
import { findInvisibleCharacter } from './idna-safety';
import { reject, Rejection } from './rejection';

/**
 * Index of the first unpaired UTF-16 surrogate, or -1. A string holding one has no UTF-8 encoding (it is what
 * invalid UTF-8 becomes when decoded leniently), so nothing built from it can be compared byte for byte.
 */
export function findUnpairedSurrogate(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

/** C0 controls, DEL and C1 controls. */
export function isControlCharacter(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

export function findControlCharacter(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (isControlCharacter(text.charCodeAt(i))) return i;
  }
  return -1;
}

/**
 * The checks every analyst line and every domain goes through before any parsing: well-formed Unicode, no
 * control character, no invisible character. Returns null when the text is clean.
 */
export function checkTextSafety(text: string, what: string): Rejection | null {
  const surrogate = findUnpairedSurrogate(text);
  if (surrogate >= 0) {
    return reject(
      'INVALID_UNICODE',
      `${what} is not valid Unicode: unpaired surrogate ${formatCodePoint(text.charCodeAt(surrogate))} at position ${surrogate + 1} (invalid UTF-8 in the source?)`,
    );
  }
  const control = findControlCharacter(text);
  if (control >= 0) {
    return reject(
      'CONTROL_CHARACTER',
      `${what} contains the control character ${formatCodePoint(text.charCodeAt(control))} at position ${control + 1}`,
    );
  }
  const invisible = findInvisibleCharacter(text);
  if (invisible !== null) {
    return reject(
      'INVISIBLE_CHARACTER',
      `${what} contains the invisible character ${formatCodePoint(invisible.codePoint)} (${invisible.name}) at position ${invisible.index + 1}; it would silently change the name`,
    );
  }
  return null;
}

/** Trims ASCII whitespace only: a leading U+FEFF or U+200B is not whitespace to drop but a character to reject. */
export function trimAsciiWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isAsciiWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isAsciiWhitespace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function isAsciiWhitespace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}
