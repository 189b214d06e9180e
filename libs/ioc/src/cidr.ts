import { formatIpv4, parseIpv4 } from './ipv4';
import { parseIpv4Indicator } from './ipv4-indicator';
import { reject, Rejection, shown } from './rejection';

/** Networks wider than this cover a sixteenth of the Internet or more: never what an indicator means. */
export const MIN_CIDR_PREFIX = 8;

export interface Ipv4Network {
  /** Network address as an unsigned 32-bit integer: host bits are zero. */
  network: number;
  prefix: number;
}

/** Strict "a.b.c.d/n" with n in 8..32 and no host bits set; anything else is a Rejection saying why. */
export function parseCidr(text: string): Ipv4Network | Rejection {
  const slash = text.indexOf('/');
  if (slash < 0 || slash !== text.lastIndexOf('/')) {
    return reject(
      'CIDR_INVALID',
      `${shown(text)} is not a CIDR network: write address/prefix, like 10.0.0.0/8`,
    );
  }
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const prefix = parsePrefix(text, addressText, prefixText);
  if (typeof prefix !== 'number') return prefix;
  const address = parseIpv4(addressText);
  if (address === null) {
    const why = parseIpv4Indicator(addressText);
    const detail = typeof why === 'number' ? '' : `: ${why.message}`;
    const suggestion =
      typeof why === 'number' || why.suggestion === undefined ? undefined : `${why.suggestion}/${prefix}`;
    return reject('CIDR_INVALID', `${shown(text)} has an invalid network address${detail}`, suggestion);
  }
  if (prefix < MIN_CIDR_PREFIX) {
    return reject(
      'CIDR_TOO_BROAD',
      `${shown(text)} is too broad: a /${prefix} covers ${2 ** (32 - prefix)} addresses; the widest accepted network is /${MIN_CIDR_PREFIX}`,
    );
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (address & mask) >>> 0;
  if (network !== address) {
    const suggestion = `${formatIpv4(network)}/${prefix}`;
    return reject(
      'CIDR_HOST_BITS_SET',
      `${shown(text)} has host bits set: the /${prefix} network that holds ${addressText} is ${suggestion}`,
      suggestion,
    );
  }
  return { network, prefix };
}

export function formatCidr(network: Ipv4Network): string {
  return `${formatIpv4(network.network)}/${network.prefix}`;
}

function parsePrefix(text: string, addressText: string, prefixText: string): number | Rejection {
  if (!/^[0-9]{1,3}$/.test(prefixText)) {
    return reject(
      'CIDR_INVALID',
      `${shown(text)} has an invalid prefix '${prefixText}': write a number from ${MIN_CIDR_PREFIX} to 32`,
    );
  }
  const prefix = Number(prefixText);
  if (prefix > 32) {
    return reject(
      'CIDR_PREFIX_OUT_OF_RANGE',
      `${shown(text)} has prefix /${prefix}; an IPv4 prefix is at most /32`,
    );
  }
  if (prefixText.length > 1 && prefixText.startsWith('0')) {
    const suggestion = parseIpv4(addressText) === null ? undefined : `${addressText}/${prefix}`;
    return reject(
      'CIDR_INVALID',
      `${shown(text)} has a prefix with a leading zero; write /${prefix}`,
      suggestion,
    );
  }
  return prefix;
}
