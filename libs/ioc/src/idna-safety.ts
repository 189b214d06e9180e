import { codePointAt } from './code-point';

/**
 * Characters that render as nothing (or only steer the layout of their neighbours) and so let two names that
 * look identical differ, or one name hide another. UTS #46 maps several of them to nothing (U+00AD, U+034F,
 * U+180B..U+180F, U+200B, U+2060, U+FE00..U+FE0F, U+FEFF, U+1BCA0..U+1BCA3, U+E0100..U+E01EF): IDNA alone
 * would silently turn "ev<ZWSP>il.com" into "evil.com". We reject them before IDNA instead, so what an analyst
 * sees is what gets blocked. The list is deliberate and complete for Unicode's Default_Ignorable_Code_Point and
 * General_Category=Cf (Format) properties plus the line/paragraph separators; a test holds it to that.
 */
const INVISIBLE_RANGES: readonly (readonly [number, number, string])[] = [
  [0x00ad, 0x00ad, 'SOFT HYPHEN'],
  [0x034f, 0x034f, 'COMBINING GRAPHEME JOINER'],
  [0x0600, 0x0605, 'ARABIC NUMBER SIGN (format character)'],
  [0x061c, 0x061c, 'ARABIC LETTER MARK'],
  [0x06dd, 0x06dd, 'ARABIC END OF AYAH (format character)'],
  [0x070f, 0x070f, 'SYRIAC ABBREVIATION MARK (format character)'],
  [0x0890, 0x0891, 'ARABIC POUND/PIASTRE MARK ABOVE (format character)'],
  [0x08e2, 0x08e2, 'ARABIC DISPUTED END OF AYAH (format character)'],
  [0x115f, 0x1160, 'HANGUL FILLER'],
  [0x17b4, 0x17b5, 'KHMER INHERENT VOWEL'],
  [0x180b, 0x180d, 'MONGOLIAN FREE VARIATION SELECTOR'],
  [0x180e, 0x180e, 'MONGOLIAN VOWEL SEPARATOR'],
  [0x180f, 0x180f, 'MONGOLIAN FREE VARIATION SELECTOR'],
  [0x200b, 0x200b, 'ZERO WIDTH SPACE'],
  [0x200c, 0x200c, 'ZERO WIDTH NON-JOINER'],
  [0x200d, 0x200d, 'ZERO WIDTH JOINER'],
  [0x200e, 0x200f, 'LEFT-TO-RIGHT/RIGHT-TO-LEFT MARK'],
  [0x2028, 0x2029, 'LINE/PARAGRAPH SEPARATOR'],
  [0x202a, 0x202e, 'BIDI EMBEDDING/OVERRIDE'],
  [0x2060, 0x2060, 'WORD JOINER'],
  [0x2061, 0x2065, 'INVISIBLE OPERATOR'],
  [0x2066, 0x2069, 'BIDI ISOLATE'],
  [0x206a, 0x206f, 'DEPRECATED FORMAT CHARACTER'],
  [0x3164, 0x3164, 'HANGUL FILLER'],
  [0xfe00, 0xfe0f, 'VARIATION SELECTOR'],
  [0xfeff, 0xfeff, 'ZERO WIDTH NO-BREAK SPACE (byte order mark)'],
  [0xffa0, 0xffa0, 'HALFWIDTH HANGUL FILLER'],
  [0xfff0, 0xfff8, 'RESERVED SPECIAL'],
  [0xfff9, 0xfffb, 'INTERLINEAR ANNOTATION'],
  [0x110bd, 0x110bd, 'KAITHI NUMBER SIGN (format character)'],
  [0x110cd, 0x110cd, 'KAITHI NUMBER SIGN ABOVE (format character)'],
  [0x13430, 0x1343f, 'EGYPTIAN HIEROGLYPH FORMAT CONTROL'],
  [0x1bca0, 0x1bca3, 'SHORTHAND FORMAT CONTROL'],
  [0x1d173, 0x1d17a, 'MUSICAL SYMBOL FORMAT CONTROL'],
  [0xe0000, 0xe007f, 'TAG'],
  [0xe0080, 0xe00ff, 'RESERVED IGNORABLE'],
  [0xe0100, 0xe01ef, 'VARIATION SELECTOR SUPPLEMENT'],
  [0xe01f0, 0xe0fff, 'RESERVED IGNORABLE'],
];

/** Name of the invisible character, or null when the code point is not one. */
export function invisibleCharacterName(codePoint: number): string | null {
  if (codePoint < 0xad) return null;
  for (const [first, last, name] of INVISIBLE_RANGES) {
    if (codePoint < first) return null;
    if (codePoint <= last) return name;
  }
  return null;
}

export interface InvisibleCharacter {
  index: number;
  codePoint: number;
  name: string;
}

export function findInvisibleCharacter(text: string): InvisibleCharacter | null {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) < 0xad) continue;
    const codePoint = codePointAt(text, i);
    const name = invisibleCharacterName(codePoint);
    if (name !== null) return { index: i, codePoint, name };
    if (codePoint > 0xffff) i++;
  }
  return null;
}
