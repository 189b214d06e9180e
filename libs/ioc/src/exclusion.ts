import { parseIpv4 } from './ipv4';
import { MAX_DOMAIN_LENGTH, MAX_LINE_LENGTH } from './limits';
import { parseIndicator } from './parse-indicator';
import { reject, Rejection, shown } from './rejection';
import { checkTextSafety, trimAsciiWhitespace } from './text-safety';

export type ExclusionType = 'IP' | 'NETWORK' | 'DOMAIN' | 'URL' | 'HOST';

export const EXCLUSION_TYPES: readonly ExclusionType[] = ['IP', 'NETWORK', 'DOMAIN', 'URL', 'HOST'];

export type NormalizedExclusion = { ok: true; normalized: string } | Rejection;

/**
 * Threat exclusions, normalized by the indicator rules so an exclusion and the indicator it overrides meet:
 * IP as ipv4, NETWORK as cidr (a /32 stays "a.b.c.d/32": the admin asked for a network), DOMAIN and URL as
 * indicators. HOST is an endpoint's hostname (the agent reports it, it is never resolved): trimmed,
 * lowercased, 1..253 characters of letters, digits, '-', '.' and '_'. Never throws.
 */
export function normalizeExclusion(type: ExclusionType, raw: string): NormalizedExclusion {
  if (typeof raw !== 'string') return reject('EMPTY', 'the exclusion is not a string');
  switch (type) {
    case 'IP':
      return asIndicator(raw, 'ipv4');
    case 'NETWORK':
      return normalizeNetwork(raw);
    case 'DOMAIN':
      return asIndicator(raw, 'domain');
    case 'URL':
      return asIndicator(raw, 'url');
    case 'HOST':
      return normalizeHost(raw);
  }
}

function asIndicator(raw: string, type: 'ipv4' | 'domain' | 'url'): NormalizedExclusion {
  const parsed = parseIndicator(raw, type);
  if (!parsed.ok) return parsed;
  if (parsed.type !== type) {
    return reject('TYPE_MISMATCH', `${shown(raw)} is a ${parsed.type}, not a ${type}`, parsed.normalized);
  }
  return { ok: true, normalized: parsed.normalized };
}

function normalizeNetwork(raw: string): NormalizedExclusion {
  const parsed = parseIndicator(raw, 'cidr');
  if (!parsed.ok) {
    if (parsed.code === 'TYPE_MISMATCH' && parseIpv4(parsed.suggestion ?? '') !== null) {
      return reject(
        'TYPE_MISMATCH',
        `${shown(raw)} is an address; as a network write ${parsed.suggestion}/32`,
        `${parsed.suggestion}/32`,
      );
    }
    return parsed;
  }
  return { ok: true, normalized: parsed.type === 'cidr' ? parsed.normalized : `${parsed.normalized}/32` };
}

function normalizeHost(raw: string): NormalizedExclusion {
  if (raw.length > MAX_LINE_LENGTH)
    return reject('TOO_LONG', `the host name is ${raw.length} characters long`);
  const text = trimAsciiWhitespace(raw);
  if (text.length === 0) return reject('EMPTY', 'the host name is empty');
  const unsafe = checkTextSafety(text, 'the host name');
  if (unsafe !== null) return unsafe;
  if (text.length > MAX_DOMAIN_LENGTH) {
    return reject(
      'HOST_INVALID',
      `the host name is ${text.length} characters long; at most ${MAX_DOMAIN_LENGTH}`,
    );
  }
  const bad = /[^A-Za-z0-9._-]/.exec(text);
  if (bad !== null) {
    return reject(
      'HOST_INVALID',
      `the host name ${shown(text)} contains '${bad[0]}'; letters, digits, '-', '.' and '_' only`,
    );
  }
  return { ok: true, normalized: text.toLowerCase() };
}
