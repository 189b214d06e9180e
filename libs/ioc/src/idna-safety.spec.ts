import { describe, expect, it } from 'vitest';
import { formatCodePoint } from './code-point';
import { idnaToAscii } from './idna';
import { findInvisibleCharacter, invisibleCharacterName } from './idna-safety';
import { isControlCharacter } from './text-safety';

function everyCodePoint(test: (codePoint: number) => boolean): number[] {
  const found: number[] = [];
  for (let codePoint = 0; codePoint <= 0x10ffff; codePoint++) {
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
    if (test(codePoint)) found.push(codePoint);
  }
  return found;
}

describe('invisible characters', () => {
  it('lists every Default_Ignorable, Format (Cf) and line/paragraph separator code point', () => {
    const property = /^[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Zl}\p{Zp}]$/u;
    const missing = everyCodePoint(
      (codePoint) =>
        property.test(String.fromCodePoint(codePoint)) && invisibleCharacterName(codePoint) === null,
    );
    expect(missing.map(formatCodePoint)).toEqual([]);
  });

  it('lists every character that UTS #46 would silently delete from a name', () => {
    // Mapped to nothing: "a<ch>b" comes out of IDNA as plain "ab".
    const deleted = everyCodePoint(
      (codePoint) =>
        codePoint > 0x7f &&
        !isControlCharacter(codePoint) &&
        idnaToAscii(`a${String.fromCodePoint(codePoint)}b`) === 'ab',
    );
    expect(deleted.length).toBeGreaterThan(0);
    expect(
      deleted.filter((codePoint) => invisibleCharacterName(codePoint) === null).map(formatCodePoint),
    ).toEqual([]);
  }, 60_000);

  it.each([
    [0x00ad, 'SOFT HYPHEN'],
    [0x200b, 'ZERO WIDTH SPACE'],
    [0x200c, 'ZERO WIDTH NON-JOINER'],
    [0x200d, 'ZERO WIDTH JOINER'],
    [0x2060, 'WORD JOINER'],
    [0xfeff, 'ZERO WIDTH NO-BREAK SPACE (byte order mark)'],
    [0x202e, 'BIDI EMBEDDING/OVERRIDE'],
    [0x2067, 'BIDI ISOLATE'],
    [0x180e, 'MONGOLIAN VOWEL SEPARATOR'],
  ])('names %s', (codePoint, name) => {
    expect(invisibleCharacterName(codePoint)).toBe(name);
  });

  it('does not flag visible characters', () => {
    expect(invisibleCharacterName(0x61)).toBeNull();
    expect(invisibleCharacterName(0xe9)).toBeNull();
    expect(invisibleCharacterName(0x0430)).toBeNull();
    expect(invisibleCharacterName(0x1f600)).toBeNull();
    expect(findInvisibleCharacter('bücher.пример.例え')).toBeNull();
  });

  it('finds astral invisible characters at their UTF-16 position', () => {
    expect(findInvisibleCharacter('ab\u{1f600}c\u{e0041}')).toEqual({
      index: 5,
      codePoint: 0xe0041,
      name: 'TAG',
    });
  });
});
