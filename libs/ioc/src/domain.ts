import { fastCanonicalDomain } from './domain-fast-path';
import { idnaToAscii } from './idna';
import { IndicatorWarning } from './indicator';
import { formatIpv4 } from './ipv4';
import { parseLooseIpv4 } from './ipv4-loose';
import { MAX_DOMAIN_INPUT_LENGTH, MAX_DOMAIN_LENGTH, MAX_LABEL_LENGTH } from './limits';
import { mixedScriptWarnings } from './mixed-script';
import { reject, Rejection, shown } from './rejection';
import { checkTextSafety } from './text-safety';

export interface DomainName {
  /** Lowercase ASCII, punycode for IDN labels, no trailing dot. */
  name: string;
  warnings: IndicatorWarning[];
}

/**
 * A domain seen in traffic (DNS query name, TLS SNI, HTTP Host without port), canonicalized by the same rules as
 * domain indicators so the two always meet. Single-label names ("localhost") are fine here. Never throws.
 */
export function canonicalizeDomain(raw: string): string | Rejection {
  if (typeof raw !== 'string') return reject('EMPTY', 'the domain is not a string');
  const fast = fastCanonicalDomain(raw);
  if (fast !== null) return fast;
  const parsed = parseDomainName(raw, 1);
  return parsed.ok ? parsed.name : parsed;
}

/**
 * The full domain algorithm: reject invisible and control characters (before IDNA, which would delete some),
 * UTS #46 through tr46, drop one trailing dot, then enforce the DNS limits and our character set.
 * `minLabels` 2 is for indicators and exclusions: a bare "com" would cover a whole top-level domain.
 */
export function parseDomainName(raw: string, minLabels: 1 | 2): ({ ok: true } & DomainName) | Rejection {
  if (raw.length === 0) return reject('EMPTY', 'the domain is empty');
  if (raw.length > MAX_DOMAIN_INPUT_LENGTH) {
    return reject(
      'TOO_LONG',
      `the domain is ${raw.length} characters long; a domain has at most ${MAX_DOMAIN_LENGTH}`,
    );
  }
  const unsafe = checkTextSafety(raw, 'the domain');
  if (unsafe !== null) return unsafe;
  if (raw.startsWith('*.')) {
    return reject(
      'DOMAIN_INVALID',
      `${shown(raw)} is a wildcard; a domain indicator already covers every subdomain, so write ${shown(raw.slice(2))}`,
      raw.slice(2),
    );
  }
  const ascii = idnaToAscii(raw);
  if (ascii === null) return explainIdnaFailure(raw);
  const name = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
  const invalid = checkAsciiName(raw, name);
  if (invalid !== null) return invalid;
  const labelCount = name.split('.').length;
  if (labelCount < minLabels) {
    return reject(
      'DOMAIN_TOO_BROAD',
      `${shown(raw)} has a single label: as an indicator it would cover a whole top-level domain`,
    );
  }
  return { ok: true, name, warnings: mixedScriptWarnings(name) };
}

function checkAsciiName(raw: string, name: string): Rejection | null {
  if (name.length === 0) return reject('DOMAIN_INVALID', 'the domain has no labels');
  if (name.length > MAX_DOMAIN_LENGTH) {
    return reject(
      'DOMAIN_TOO_LONG',
      `${shown(raw)} is ${name.length} characters long in ASCII; at most ${MAX_DOMAIN_LENGTH}`,
    );
  }
  const labels = name.split('.');
  for (const label of labels) {
    if (label.length === 0) {
      return reject(
        'DOMAIN_INVALID',
        `${shown(raw)} has an empty label (a leading dot or two dots in a row)`,
      );
    }
    if (label.length > MAX_LABEL_LENGTH) {
      return reject(
        'DOMAIN_LABEL_TOO_LONG',
        `${shown(raw)} has a label of ${label.length} characters (in ASCII); a label has at most ${MAX_LABEL_LENGTH}`,
      );
    }
    const bad = /[^a-z0-9_-]/.exec(label);
    if (bad !== null) {
      return reject(
        'DOMAIN_INVALID',
        `${shown(raw)} contains '${bad[0]}'; a domain has letters, digits, '-', '_' and dots only`,
      );
    }
  }
  const last = labels[labels.length - 1] ?? '';
  if (/^(?:[0-9]+|0x[0-9a-f]*)$/.test(last)) {
    // Browsers read a name whose last label is a number as an IPv4 address (WHATWG "ends in a number").
    const loose = parseLooseIpv4(name);
    return loose === null
      ? reject(
          'DOMAIN_INVALID',
          `${shown(raw)} ends in a numeric label, which resolvers read as an IPv4 address`,
        )
      : reject(
          'DOMAIN_INVALID',
          `${shown(raw)} is an IPv4 address (${formatIpv4(loose.value)}), not a domain`,
          formatIpv4(loose.value),
        );
  }
  return null;
}

function explainIdnaFailure(raw: string): Rejection {
  const bad = raw.split(/[.\u3002\uff0e\uff61]/).find((label) => label !== '' && idnaToAscii(label) === null);
  const where = bad === undefined ? '' : ` (label "${shown(bad)}")`;
  return reject(
    'DOMAIN_IDNA_INVALID',
    `${shown(raw)} is not a valid internationalized domain name under UTS #46${where}: a disallowed character, bad punycode, a label starting with a combining mark, or invalid right-to-left text`,
  );
}
