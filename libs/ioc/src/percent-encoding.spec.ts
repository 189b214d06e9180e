import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUtf8, escapeBinary, isWellFormedUtf8, unescapeRepeatedly } from './percent-encoding';

/** The document's wording, literally: unescape the whole string, again, until nothing changes. */
function unescapeByPasses(text: string): string {
  let binary = String.fromCharCode(...new TextEncoder().encode(text));
  for (;;) {
    const next = binary.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) =>
      String.fromCharCode(parseInt(hex, 16)),
    );
    if (next === binary) return binary;
    binary = next;
  }
}

describe('percent-encoding', () => {
  it.each([
    ['%25%32%35', '%'],
    ['%2525252525252525', '%'],
    ['%%%25%32%35asd%%', '%%%asd%%'],
    ['%2', '%2'],
    ['%zz%4', '%zz%4'],
    ['%c3%a9', '\u00c3\u00a9'],
    ['é', '\u00c3\u00a9'],
    ['😀', '\u00f0\u009f\u0098\u0080'],
  ])('unescapes %j repeatedly to the bytes %j', (text, binary) => {
    expect(unescapeRepeatedly(text)).toBe(binary);
  });

  it('unescapes in one pass exactly what repeated whole-string passes give (property)', () => {
    const piece = fc.oneof(
      fc.constantFrom('%', '%2', '%25', '%32', '%35', '%41', '%2e', '%E2%80%8B', '5', 'a', 'F', 'é', '😀'),
      fc.string({ unit: 'grapheme-ascii', maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const text = pieces.join('');
        expect(unescapeRepeatedly(text)).toBe(unescapeByPasses(text));
      }),
      { numRuns: 3000 },
    );
  }, 30_000);

  it('escapes controls, space, DEL and above, "#" and "%" with uppercase hex', () => {
    expect(escapeBinary('a b#c%d\u0000\u007f\u0080\u00ff~')).toBe('a%20b%23c%25d%00%7F%80%FF~');
    expect(escapeBinary('plain/path?x=1')).toBe('plain/path?x=1');
  });

  it('tells well-formed UTF-8 from other bytes', () => {
    expect(isWellFormedUtf8('\u00c3\u00a9')).toBe(true);
    expect(decodeUtf8('\u00c3\u00a9')).toBe('é');
    for (const bad of [
      '\u0080',
      '\u00c3',
      '\u00c0\u0080',
      '\u00ed\u00a0\u0080',
      '\u00f4\u0090\u0080\u0080',
      '\u00ff',
    ]) {
      expect(isWellFormedUtf8(bad)).toBe(false);
    }
  });
});
