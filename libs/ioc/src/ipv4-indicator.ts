import { formatIpv4, parseIpv4 } from './ipv4';
import { LooseIpv4, parseLooseIpv4 } from './ipv4-loose';
import { reject, Rejection, shown } from './rejection';

/**
 * An IPv4 address given as an indicator: strict, and when it is not, a rejection that says what the text would
 * mean to a resolver or a browser ("127.1" is 127.0.0.1), so the analyst fixes the source instead of guessing.
 */
export function parseIpv4Indicator(text: string): number | Rejection {
  const value = parseIpv4(text);
  if (value !== null) return value;
  const withoutTrailingDot = text.endsWith('.') ? text.slice(0, -1) : text;
  const loose = parseLooseIpv4(withoutTrailingDot);
  if (loose !== null) return explainLooseForm(text, loose, withoutTrailingDot !== text);
  return explainInvalid(text);
}

function explainLooseForm(text: string, loose: LooseIpv4, trailingDot: boolean): Rejection {
  const meaning = formatIpv4(loose.value);
  const reasons: string[] = [];
  if (loose.partCount === 1) reasons.push('it is written as a single 32-bit number');
  else if (loose.partCount < 4)
    reasons.push(`it has ${loose.partCount} parts, and the last one fills the missing bytes`);
  if (loose.forms.includes('hex')) reasons.push('it has hexadecimal (0x) parts');
  if (loose.forms.includes('octal'))
    reasons.push('it has parts with a leading zero, which resolvers read as octal');
  if (trailingDot) reasons.push('it ends with a dot');
  let message = `${shown(text)} is not a canonical IPv4 address (${reasons.join('; ')}): it means ${meaning}; did you mean ${meaning}?`;
  const padded = decimalReading(text);
  if (loose.forms.includes('octal') && padded !== null && padded !== meaning) {
    message += ` If the zeros were only padding, write ${padded}.`;
  }
  return reject('IPV4_NON_CANONICAL', message, meaning);
}

function explainInvalid(text: string): Rejection {
  const parts = text.split('.');
  const bad = /[^0-9.xXa-fA-F]/.exec(text);
  if (bad !== null) {
    return reject(
      'IPV4_INVALID',
      `${shown(text)} is not an IPv4 address: '${bad[0]}' is not allowed (four decimal parts, like 192.0.2.1)`,
    );
  }
  if (parts.length !== 4) {
    return reject(
      'IPV4_INVALID',
      `${shown(text)} is not an IPv4 address: it has ${parts.length} parts, an address has four`,
    );
  }
  if (parts.some((part) => part === '')) {
    return reject('IPV4_INVALID', `${shown(text)} is not an IPv4 address: it has an empty part`);
  }
  const padded = decimalReading(text);
  if (padded !== null) {
    // Only a leading zero followed by 8 or 9 ("09") gets here: not octal, so not an address at all.
    return reject(
      'IPV4_INVALID',
      `${shown(text)} is not an IPv4 address: a part with a leading zero is octal, and it holds the digit 8 or 9; did you mean ${padded}?`,
      padded,
    );
  }
  const tooBig = parts.find((part) => /^[0-9]+$/.test(part) && Number(part) > 255);
  if (tooBig !== undefined) {
    return reject('IPV4_INVALID', `${shown(text)} is not an IPv4 address: ${tooBig} is above 255`);
  }
  return reject(
    'IPV4_INVALID',
    `${shown(text)} is not an IPv4 address (four decimal parts 0-255, like 192.0.2.1)`,
  );
}

/** The address the text spells when its leading zeros are read as padding, or null. */
function decimalReading(text: string): string | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^[0-9]{1,3}$/.test(part) && Number(part) <= 255))
    return null;
  return parts.map((part) => String(Number(part))).join('.');
}
