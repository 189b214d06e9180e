import { formatIpv4, parseIpv4 } from '@threatline/ioc';
import { MatcherInputError } from './errors';
import { MAX_KEY_LENGTH } from './string-table';

// The matcher stores normalized values (from @threatline/ioc) and checks that they are, cheaply, so a malformed
// value is a clear error at the door instead of a silent non-match. These checks are not the normalization.

export interface Network {
  network: number;
  prefix: number;
}

export function ipv4Value(value: string): number {
  const address = parseIpv4(value);
  if (address === null)
    throw new MatcherInputError(`not a normalized IPv4 address: ${JSON.stringify(value)}`);
  return address;
}

/** "a.b.c.d/n", n in minPrefix..maxPrefix, host bits clear. */
export function networkValue(value: string, maxPrefix: number): Network {
  const network = parseNetwork(value, maxPrefix);
  if (network === null) throw new MatcherInputError(`not a normalized network: ${JSON.stringify(value)}`);
  return network;
}

export function parseNetwork(value: string, maxPrefix: number): Network | null {
  const slash = value.indexOf('/');
  // Cheap shape test first: URL values ("host/path") reach here too.
  if (slash < 7 || slash < value.length - 3 || slash === value.length - 1) return null;
  const address = parseIpv4(value.slice(0, slash));
  const digits = value.slice(slash + 1);
  if (address === null || !/^(?:0|[1-9]\d?)$/.test(digits)) return null;
  const prefix = Number(digits);
  if (prefix > maxPrefix) return null;
  const hostBits = prefix === 32 ? 0 : (address & (0xffffffff >>> prefix)) >>> 0;
  return hostBits === 0 ? { network: address, prefix } : null;
}

export function formatNetwork(network: number, prefix: number): string {
  return `${formatIpv4(network >>> 0)}/${prefix}`;
}

/** Lowercase printable ASCII of two labels or more, without '/', and not an IPv4 address (an ipv4 entry). */
export function domainValue(value: string): string {
  const dot = value.indexOf('.');
  const labelsOk = dot > 0 && dot < value.length - 1 && !value.endsWith('.');
  if (
    !labelsOk ||
    !isKeyText(value, false) ||
    value.length > 253 ||
    value.includes('/') ||
    parseIpv4(value) !== null
  ) {
    throw new MatcherInputError(`not a normalized domain: ${JSON.stringify(value)}`);
  }
  return value;
}

/** A canonical URL without scheme: printable ASCII `host/path...` with a lowercase host, no port or userinfo. */
export function urlValue(value: string): string {
  const slash = value.indexOf('/');
  if (slash < 1 || !isKeyText(value, true) || !isCanonicalHost(value, slash)) {
    throw new MatcherInputError(`not a normalized URL (host/path, no scheme): ${JSON.stringify(value)}`);
  }
  return value;
}

/** An endpoint hostname exclusion: lowercase printable ASCII. */
export function hostValue(value: string): string {
  if (!isKeyText(value, false))
    throw new MatcherInputError(`not a normalized host: ${JSON.stringify(value)}`);
  return value;
}

/** value[0, end) as a canonical URL host: no uppercase letter, none of ':' '@' '?' '#' (port, userinfo, query). */
function isCanonicalHost(value: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const code = value.charCodeAt(i);
    if ((code >= 0x41 && code <= 0x5a) || code === 0x3a || code === 0x40 || code === 0x3f || code === 0x23)
      return false;
  }
  return true;
}

/** Non-empty printable ASCII that fits a table key; uppercase letters only when allowed. */
function isKeyText(value: string, upperAllowed: boolean): boolean {
  if (value.length === 0 || value.length > MAX_KEY_LENGTH) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code <= 0x20 || code >= 0x7f) return false;
    if (!upperAllowed && code >= 0x41 && code <= 0x5a) return false;
  }
  return true;
}
