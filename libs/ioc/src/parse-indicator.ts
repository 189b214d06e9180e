import { formatCanonicalUrl } from './canonical-url';
import { formatCidr, parseCidr } from './cidr';
import { checkDefanged } from './defang';
import { detectType } from './detect';
import { parseDomainName } from './domain';
import { fastCanonicalDomain } from './domain-fast-path';
import { IndicatorWarning, IocType, ParsedIndicator } from './indicator';
import { formatIpv4 } from './ipv4';
import { parseIpv4Indicator } from './ipv4-indicator';
import { MAX_LINE_LENGTH } from './limits';
import { mixedScriptWarnings } from './mixed-script';
import { isRejection, reject, Rejection, shown } from './rejection';
import { checkTextSafety, trimAsciiWhitespace } from './text-safety';
import { canonicalizeUrl } from './url';

/**
 * An analyst's raw line -> the normalized indicator, detecting the type when none is given. Surrounding ASCII
 * whitespace is trimmed; any other control, invisible or ill-formed character is rejected, never removed.
 * Never throws, whatever the input.
 */
export function parseIndicator(raw: string, type?: IocType): ParsedIndicator | Rejection {
  if (typeof raw !== 'string') return reject('EMPTY', 'the indicator is not a string');
  if (raw.length > MAX_LINE_LENGTH) {
    return reject(
      'TOO_LONG',
      `the line is ${raw.length} characters long; at most ${MAX_LINE_LENGTH} are accepted`,
    );
  }
  const text = trimAsciiWhitespace(raw);
  if (text.length === 0) return reject('EMPTY', 'the indicator is empty');
  const unsafe = checkTextSafety(text, 'the indicator');
  if (unsafe !== null) return unsafe;
  const defanged = checkDefanged(text, (live) => {
    const parsed = parseTrimmed(live, type);
    return parsed.ok ? parsed.normalized : live;
  });
  if (defanged !== null) return defanged;
  return parseTrimmed(text, type);
}

function parseTrimmed(text: string, type: IocType | undefined): ParsedIndicator | Rejection {
  const detected = detectType(text);
  if (type === undefined) return isRejection(detected) ? detected : parseAs(text, detected);
  const result = parseAs(text, type);
  if (result.ok || isRejection(detected) || detected === type) return result;
  // The requested type does not fit; if the line is a valid indicator of another type, say so.
  const other = parseAs(text, detected);
  if (!other.ok || other.type === type) return other.ok ? other : result;
  return reject(
    'TYPE_MISMATCH',
    `${shown(text)} is not a valid ${type} but a valid ${other.type} indicator (${shown(other.normalized)})`,
    other.normalized,
  );
}

function parseAs(text: string, type: IocType): ParsedIndicator | Rejection {
  switch (type) {
    case 'ipv4': {
      const value = parseIpv4Indicator(text);
      return typeof value === 'number' ? accepted('ipv4', formatIpv4(value)) : value;
    }
    case 'cidr': {
      const network = parseCidr(text);
      if (isRejection(network)) return network;
      // A /32 is one address: stored as the address, so it merges with the same ipv4 indicator.
      return network.prefix === 32
        ? accepted('ipv4', formatIpv4(network.network))
        : accepted('cidr', formatCidr(network));
    }
    case 'domain': {
      // Plain ASCII names (nearly every feed line) skip IDNA: for them UTS #46 only lowercases, and without
      // punycode labels there is no script mix to warn about. A single label goes the full way to be refused.
      const fast = fastCanonicalDomain(text);
      if (fast !== null && fast.includes('.')) return accepted('domain', fast);
      const domain = parseDomainName(text, 2);
      return domain.ok ? accepted('domain', domain.name, domain.warnings) : domain;
    }
    case 'url': {
      const url = canonicalizeUrl(text);
      if (isRejection(url)) return url;
      return accepted('url', formatCanonicalUrl(url), url.hostIsIpv4 ? [] : mixedScriptWarnings(url.host));
    }
  }
}

function accepted(type: IocType, normalized: string, warnings: IndicatorWarning[] = []): ParsedIndicator {
  return { ok: true, type, normalized, warnings };
}
