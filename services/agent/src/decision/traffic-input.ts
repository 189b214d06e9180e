import type { Traffic } from '@threatline/matcher';

/** The module that asked, as the events name it; when absent it follows from the field that matched. */
export type EventModule = 'firewall' | 'dns' | 'ips' | 'web';

export interface CheckRequest {
  traffic: Traffic;
  module?: EventModule;
}

const DIRECTIONS = new Set(['outbound', 'inbound', 'system']);
const MODULES = new Set(['firewall', 'dns', 'ips', 'web']);
const ENDPOINT_FIELDS = new Set(['host', 'user', 'process']);
const FIELDS = new Set(['direction', 'srcIp', 'dstIp', 'domain', 'url', 'endpoint', 'module']);
const MAX_ADDRESS = 64;
const MAX_TEXT = 8192;
const MAX_ENDPOINT_TEXT = 256;

/**
 * A decision request (contract section 7: `{direction, srcIp, dstIp, domain?, url?, endpoint?: {host, user,
 * process}}`, plus an optional `module`), or a message naming the first field that is wrong. Addresses are any
 * short text: one that is not IPv4 (an IPv6 peer) simply matches nothing.
 */
export function parseCheckRequest(raw: unknown): CheckRequest | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return 'the request must be a JSON object';
  const input = raw as Record<string, unknown>;
  for (const key in input) if (!FIELDS.has(key)) return `unknown field "${key}"`;
  const { direction, srcIp, dstIp, domain, url, endpoint, module } = input;
  if (typeof direction !== 'string' || !DIRECTIONS.has(direction)) {
    return 'direction must be "outbound", "inbound" or "system"';
  }
  if (typeof srcIp !== 'string' || srcIp.length > MAX_ADDRESS) return 'srcIp must be an address (a string)';
  if (typeof dstIp !== 'string' || dstIp.length > MAX_ADDRESS) return 'dstIp must be an address (a string)';
  const traffic: Traffic = { direction: direction as Traffic['direction'], srcIp, dstIp };
  if (domain !== undefined && domain !== null) {
    if (typeof domain !== 'string' || domain.length > MAX_TEXT)
      return `domain must be a string of at most ${MAX_TEXT}`;
    traffic.domain = domain;
  }
  if (url !== undefined && url !== null) {
    if (typeof url !== 'string' || url.length > MAX_TEXT)
      return `url must be a string of at most ${MAX_TEXT}`;
    traffic.url = url;
  }
  if (endpoint !== undefined && endpoint !== null) {
    if (typeof endpoint !== 'object' || Array.isArray(endpoint)) return 'endpoint must be an object';
    const fields = endpoint as Record<string, unknown>;
    const parsed: NonNullable<Traffic['endpoint']> = {};
    for (const key in fields) {
      const value = fields[key];
      if (!ENDPOINT_FIELDS.has(key)) return `unknown field "endpoint.${key}"`;
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string' || value.length > MAX_ENDPOINT_TEXT) {
        return `endpoint.${key} must be a string of at most ${MAX_ENDPOINT_TEXT}`;
      }
      parsed[key as 'host' | 'user' | 'process'] = value;
    }
    traffic.endpoint = parsed;
  }
  if (module !== undefined && module !== null) {
    if (typeof module !== 'string' || !MODULES.has(module)) {
      return 'module must be "firewall", "dns", "ips" or "web"';
    }
    return { traffic, module: module as EventModule };
  }
  return { traffic };
}
