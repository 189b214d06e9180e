import { idnaToAscii } from './idna';
import { formatIpv4 } from './ipv4';
import { parseLooseIpv4 } from './ipv4-loose';
import { decodeUtf8, escapeBinary, hasNonAsciiByte, isWellFormedUtf8 } from './percent-encoding';
import { reject, Rejection, shown } from './rejection';
import { checkTextSafety } from './text-safety';

/**
 * WHATWG's forbidden domain code points: IDNA maps some characters onto them ("⩴" becomes "::="), and a host
 * holding a delimiter would not survive being parsed again, so such a name is invalid.
 */
function hasForbiddenHostCharacter(ascii: string): boolean {
  for (let i = 0; i < ascii.length; i++) {
    const code = ascii.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f || '#%/:<>?@[\\]^|'.includes(ascii.charAt(i))) return true;
  }
  return false;
}

export interface CanonicalHost {
  host: string;
  isIpv4: boolean;
}

/**
 * Safe Browsing host canonicalization of an unescaped host (binary string, userinfo and port removed):
 * internationalized names go through the same IDNA code as domains (after the same invisible-character check);
 * then leading/trailing dots go, runs of dots collapse, any legal IPv4 spelling becomes dotted decimal, the rest
 * is lowercased and escaped. Bytes that are not UTF-8 (the published "\x01\x80.com" vector) stay as escaped
 * bytes, as the document's vectors require.
 */
export function canonicalizeUrlHost(binaryHost: string): CanonicalHost | Rejection {
  let host = binaryHost;
  if (hasNonAsciiByte(host) && isWellFormedUtf8(host)) {
    const unicode = decodeUtf8(host);
    const unsafe = checkTextSafety(unicode, 'the URL host');
    if (unsafe !== null) return unsafe;
    const ascii = idnaToAscii(unicode);
    if (ascii === null || hasForbiddenHostCharacter(ascii)) {
      return reject(
        'URL_HOST_INVALID',
        `the URL host ${shown(unicode)} is not a valid internationalized domain name`,
      );
    }
    host = ascii;
  }
  host = collapseDots(host);
  if (host.length === 0) return reject('URL_HOST_INVALID', 'the URL has no host');
  const ipv4 = parseLooseIpv4(host);
  if (ipv4 !== null) return { host: formatIpv4(ipv4.value), isIpv4: true };
  return { host: escapeBinary(lowercaseAscii(host)), isIpv4: false };
}

function collapseDots(host: string): string {
  if (!host.startsWith('.') && !host.endsWith('.') && !host.includes('..')) return host;
  return host
    .split('.')
    .filter((label) => label !== '')
    .join('.');
}

function lowercaseAscii(binary: string): string {
  return /[A-Z]/.test(binary) ? binary.replace(/[A-Z]+/g, (upper) => upper.toLowerCase()) : binary;
}
