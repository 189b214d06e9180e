import { parseDomainName } from './domain';
import { IocType } from './indicator';
import { reject, Rejection, shown } from './rejection';

const IPV6 = /^\[?[0-9a-f]*:[0-9a-f]*:[0-9a-f:.]*\]?(?:\/[0-9]+)?$/i;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const HOST_WITH_PORT = /^[^:/]*:[0-9]+(?:[/?]|$)/;
const NUMERIC_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/i;
const CIDR_LIKE = /^[0-9][0-9a-fx.]*\/[0-9]+$/i;

/**
 * The type an analyst most likely meant, from the shape of a trimmed line: a scheme, a path, a query or a port
 * make a URL; dotted numbers an IPv4 address (in any spelling, so the IPv4 parser can explain a loose one),
 * with "/n" a CIDR; anything else a domain. The type's own parser then validates.
 */
export function detectType(text: string): IocType | Rejection {
  if (IPV6.test(text)) {
    return reject(
      'IPV6_UNSUPPORTED',
      `${shown(text)} looks like an IPv6 address; only IPv4 indicators are supported`,
    );
  }
  if (SCHEME.test(text) && !HOST_WITH_PORT.test(text)) return 'url';
  if (CIDR_LIKE.test(text)) return 'cidr';
  if (/[/?:]/.test(text)) return 'url';
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    const domain = parseDomainName(text.slice(at + 1), 2);
    return reject(
      'TYPE_UNDETECTED',
      `${shown(text)} looks like an e-mail address, which is not an indicator type` +
        (domain.ok ? `; its domain is ${domain.name}` : ''),
      domain.ok ? domain.name : undefined,
    );
  }
  const labels = text.endsWith('.') ? text.slice(0, -1).split('.') : text.split('.');
  if (labels.every((label) => NUMERIC_LABEL.test(label))) return 'ipv4';
  return 'domain';
}
