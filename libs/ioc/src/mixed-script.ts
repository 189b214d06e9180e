import { idnaLabelToUnicode } from './idna';
import { IndicatorWarning } from './indicator';

/** Scripts told apart; anything else that is neither Common nor Inherited counts as one more script. */
const SCRIPTS = [
  'Latin',
  'Greek',
  'Cyrillic',
  'Armenian',
  'Hebrew',
  'Arabic',
  'Syriac',
  'Thaana',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Georgian',
  'Hangul',
  'Ethiopic',
  'Cherokee',
  'Khmer',
  'Mongolian',
  'Hiragana',
  'Katakana',
  'Bopomofo',
  'Han',
] as const;

const SCRIPT_PATTERNS = SCRIPTS.map((script) => ({
  script,
  pattern: new RegExp(`^\\p{Script=${script}}$`, 'u'),
}));
const SCRIPT_NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

/**
 * Script mixes that UTS #39 ("Highly Restrictive") accepts because the languages are written that way:
 * Japanese, Chinese with Bopomofo, Korean, each with Latin.
 */
const ACCEPTED_MIXES: readonly ReadonlySet<string>[] = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

/**
 * A MIXED_SCRIPT warning for each punycode label whose letters come from scripts that are not written together,
 * such as Latin and Cyrillic in "pаypal" (the а is Cyrillic): the classic look-alike of an ASCII name. The
 * indicator is still accepted (it names a real, registrable domain); the warning is for the analyst.
 */
export function mixedScriptWarnings(asciiName: string): IndicatorWarning[] {
  const warnings: IndicatorWarning[] = [];
  for (const label of asciiName.split('.')) {
    if (!label.startsWith('xn--')) continue;
    const unicode = idnaLabelToUnicode(label);
    if (unicode === null) continue;
    const scripts = scriptsOf(unicode);
    if (scripts.size < 2 || ACCEPTED_MIXES.some((mix) => [...scripts].every((script) => mix.has(script))))
      continue;
    warnings.push({
      code: 'MIXED_SCRIPT',
      message: `label ${label} ("${unicode}") mixes ${[...scripts].join(' and ')} letters: possibly a look-alike of another name`,
    });
  }
  return warnings;
}

function scriptsOf(text: string): Set<string> {
  const scripts = new Set<string>();
  for (const char of text) {
    if (SCRIPT_NEUTRAL.test(char)) continue;
    scripts.add(SCRIPT_PATTERNS.find(({ pattern }) => pattern.test(char))?.script ?? 'other');
  }
  return scripts;
}
