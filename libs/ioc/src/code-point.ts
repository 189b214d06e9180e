/** "U+200B" style name of a code point, for messages. */
export function formatCodePoint(codePoint: number): string {
  return 'U+' + codePoint.toString(16).toUpperCase().padStart(4, '0');
}

/** The code point starting at `index`, assuming the text holds no unpaired surrogate. */
export function codePointAt(text: string, index: number): number {
  return text.codePointAt(index) ?? 0;
}
