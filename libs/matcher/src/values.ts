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

/** Lowercase printable ASCII of two labels or more, without '/', and not an IPv4 address (an ipv4 entry). One
 *  pass: it runs for every domain of a build. */
export function domainValue(value: string): string {
  const length = value.length;
  let ok = length > 0 && length <= 253;
  let dots = 0;
  let previous = 0x2e;
  let numeric = true;
  for (let i = 0; ok && i < length; i++) {
    const code = value.charCodeAt(i);
    ok = code > 0x20 && code < 0x7f && code !== 0x2f && !(code >= 0x41 && code <= 0x5a);
    if (code === 0x2e) {
      ok &&= previous !== 0x2e;
      dots++;
    } else if (code < 0x30 || code > 0x39) {
      numeric = false;
    }
    previous = code;
  }
  if (!ok || dots === 0 || previous === 0x2e || (numeric && parseIpv4(value) !== null)) {
    throw new MatcherInputError(`not a normalized domain: ${JSON.stringify(value)}`);
  }
  return value;
}

/** A canonical URL without scheme: printable ASCII `host/path...` with a lowercase host: no port, no userinfo. */
export function urlValue(value: string): string {
  const length = value.length;
  let ok = length > 1 && length <= MAX_KEY_LENGTH;
  let inHost = true;
  for (let i = 0; ok && i < length; i++) {
    const code = value.charCodeAt(i);
    ok = code > 0x20 && code < 0x7f;
    if (!inHost) continue;
    if (code === 0x2f) {
      ok = i > 0;
      inHost = false;
    } else {
      ok &&=
        !(code >= 0x41 && code <= 0x5a) && code !== 0x3a && code !== 0x40 && code !== 0x3f && code !== 0x23;
    }
  }
  if (!ok || inHost) {
    throw new MatcherInputError(`not a normalized URL (host/path, no scheme): ${JSON.stringify(value)}`);
  }
  return value;
}

/** An endpoint hostname exclusion: lowercase printable ASCII. */
export function hostValue(value: string): string {
  let ok = value.length > 0 && value.length <= MAX_KEY_LENGTH;
  for (let i = 0; ok && i < value.length; i++) {
    const code = value.charCodeAt(i);
    ok = code > 0x20 && code < 0x7f && !(code >= 0x41 && code <= 0x5a);
  }
  if (!ok) throw new MatcherInputError(`not a normalized host: ${JSON.stringify(value)}`);
  return value;
}
