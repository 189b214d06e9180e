import { reject, Rejection, shown } from './rejection';

/**
 * Threat reports "defang" indicators so nobody clicks them: hxxp://evil[.]com. Such a line is rejected rather
 * than silently refanged, with the live form as the suggestion, so the analyst confirms what gets blocked.
 */
const DEFANGINGS: readonly (readonly [RegExp, string])[] = [
  [/^hxxp(s?):\/\//i, 'http$1://'],
  [/^fxp:\/\//i, 'ftp://'],
  [/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)/gi, '.'],
  [/\[:\]/g, ':'],
  [/\[\/\]/g, '/'],
];

export function checkDefanged(
  text: string,
  refangedSuggestion: (refanged: string) => string,
): Rejection | null {
  let refanged = text;
  for (const [pattern, live] of DEFANGINGS) refanged = refanged.replace(pattern, live);
  if (refanged === text) return null;
  const suggestion = refangedSuggestion(refanged);
  return reject(
    'DEFANGED',
    `${shown(text)} is defanged (hxxp, [.] and the like); give the live indicator: ${shown(suggestion)}`,
    suggestion,
  );
}
