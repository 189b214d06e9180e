import { CanonicalUrl } from './canonical-url';
import { MAX_LINE_LENGTH } from './limits';
import { escapeBinary, unescapeRepeatedly } from './percent-encoding';
import { reject, Rejection, shown } from './rejection';
import { findUnpairedSurrogate } from './text-safety';
import { canonicalizeUrlHost } from './url-host';
import { resolvePath } from './url-path';

/**
 * Schemes whose URLs name a host to connect to. Safe Browsing ignores the scheme in its expressions, so
 * "https://evil.com/x" and "ftp://evil.com/x" are the same indicator "evil.com/x". Everything else
 * (javascript:, data:, file:, vbscript:, blob:, about:, mailto:, ...) names no host and is rejected.
 */
export const ALLOWED_URL_SCHEMES: readonly string[] = ['http', 'https', 'ftp'];

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
/** "host:8080/..." is a host with a port, not a scheme named "host" (as in Safe Browsing's reference client). */
const HOST_WITH_PORT = /^[^:]*:[0-9]+(?:[/?]|$)/;
const PORT = /^[0-9]{0,5}$/;

/**
 * The full Safe Browsing ("URLs and Hashing", Update API v4) canonicalization, for any input. In order: cut the
 * fragment, trim surrounding spaces and controls, remove every tab, CR and LF, percent-unescape repeatedly,
 * split scheme (default http), userinfo (dropped), host, port (dropped), path and query, canonicalize host and
 * path, and escape host, path and query once. Never throws.
 */
export function canonicalizeUrlFull(raw: string): CanonicalUrl | Rejection {
  if (raw.length > MAX_LINE_LENGTH) {
    return reject(
      'TOO_LONG',
      `the URL is ${raw.length} characters long; at most ${MAX_LINE_LENGTH} are accepted`,
    );
  }
  const surrogate = findUnpairedSurrogate(raw);
  if (surrogate >= 0) {
    return reject(
      'INVALID_UNICODE',
      `the URL is not valid Unicode: unpaired surrogate at position ${surrogate + 1}`,
    );
  }
  const fragment = raw.indexOf('#');
  const text = removeTabsAndNewlines(trimControlsAndSpaces(fragment < 0 ? raw : raw.slice(0, fragment)));
  if (text.length === 0) return reject('EMPTY', 'the URL is empty');

  const url = unescapeRepeatedly(text);
  let authorityStart = 0;
  const scheme = HOST_WITH_PORT.test(url) ? null : SCHEME.exec(url);
  if (scheme !== null) {
    const name = (scheme[1] ?? '').toLowerCase();
    if (!ALLOWED_URL_SCHEMES.includes(name)) {
      return reject(
        'URL_SCHEME_NOT_ALLOWED',
        `the scheme "${shown(name)}:" is not allowed; a URL indicator is http, https or ftp (or has no scheme)`,
      );
    }
    authorityStart = name.length + 1;
    if (!url.startsWith('//', authorityStart)) {
      return reject('URL_INVALID', `${shown(text)} has no "//" after "${name}:"`);
    }
  }
  // "//host/..." without a scheme is a network-path reference: http like any scheme-less input.
  if (url.startsWith('//', authorityStart)) authorityStart += 2;

  const authorityEnd = findAuthorityEnd(url, authorityStart);
  const authority = url.slice(authorityStart, authorityEnd);
  const hostAndPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostAndPort.startsWith('[')) {
    return reject(
      'IPV6_UNSUPPORTED',
      'the URL host is an IPv6 literal; only IPv4 and domain hosts are supported',
    );
  }
  const colon = hostAndPort.indexOf(':');
  if (colon >= 0 && !isValidPort(hostAndPort.slice(colon + 1))) {
    return reject('URL_INVALID', `the URL has an invalid port "${shown(hostAndPort.slice(colon + 1))}"`);
  }
  const host = canonicalizeUrlHost(colon < 0 ? hostAndPort : hostAndPort.slice(0, colon));
  if ('ok' in host) return host;

  const rest = url.slice(authorityEnd);
  const question = rest.indexOf('?');
  const path = question < 0 ? rest : rest.slice(0, question);
  return {
    host: host.host,
    path: escapeBinary(resolvePath(path)),
    query: question < 0 ? null : escapeBinary(rest.slice(question + 1)),
    hostIsIpv4: host.isIpv4,
  };
}

function findAuthorityEnd(url: string, start: number): number {
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x2f || c === 0x3f) return i;
  }
  return url.length;
}

function isValidPort(port: string): boolean {
  return PORT.test(port) && Number(port) <= 65535;
}

function removeTabsAndNewlines(text: string): string {
  return /[\t\r\n]/.test(text) ? text.replace(/[\t\r\n]/g, '') : text;
}

function trimControlsAndSpaces(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}
