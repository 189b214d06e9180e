import { toASCII, toUnicode } from 'tr46';

/**
 * The options browsers use (WHATWG URL "domain to ASCII", not strict): nontransitional UTS #46 processing, so
 * "ß" stays ß (punycode) instead of becoming "ss"; CheckBidi and CheckJoiners on; CheckHyphens off, because real
 * names such as "r3---sn-abc.googlevideo.com" have hyphens in the 3rd and 4th positions; STD3 rules off, because
 * DNS names seen in traffic use "_" (we check the resulting characters ourselves). Lengths are checked by the
 * caller, which can say which limit was crossed. The same options serve domain indicators, traffic domains and
 * URL hosts, so an indicator and the traffic it describes always reach the same ASCII spelling.
 */
const IDNA_OPTIONS = {
  checkHyphens: false,
  checkBidi: true,
  checkJoiners: true,
  useSTD3ASCIIRules: false,
  transitionalProcessing: false,
  verifyDNSLength: false,
} as const;

/** UTS #46 ToASCII (mapping, case folding, NFC, validation, punycode), or null when the name is invalid. */
export function idnaToAscii(name: string): string | null {
  try {
    return toASCII(name, IDNA_OPTIONS);
  } catch {
    // tr46 reports invalid input by returning null; a throw would be a defect there, treated the same way.
    return null;
  }
}

/** The Unicode form of one ASCII label ("xn--e1afmkfd" -> "пример"), or null when it does not decode. */
export function idnaLabelToUnicode(label: string): string | null {
  try {
    const result = toUnicode(label, IDNA_OPTIONS);
    return result.error ? null : result.domain;
  } catch {
    return null;
  }
}
