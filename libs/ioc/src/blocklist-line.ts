import { ParsedIndicator } from './indicator';
import { MAX_LINE_LENGTH } from './limits';
import { parseIndicator } from './parse-indicator';
import { reject, Rejection, shown } from './rejection';
import { trimAsciiWhitespace } from './text-safety';

/**
 * Adblock options that only say which requests of a host or URL are blocked (resource types, party,
 * priority). A firewall sees connections, not request types, and an indicator names what is malicious, so
 * such a rule becomes the plain indicator. Every other option (`domain=`, `redirect=`, `csp=`, negations...)
 * changes what the rule means and is refused.
 */
const TYPE_OPTIONS = new Set([
  'all',
  'document',
  'doc',
  'important',
  'third-party',
  '3p',
  'first-party',
  '1p',
  'script',
  'image',
  'stylesheet',
  'css',
  'object',
  'subdocument',
  'frame',
  'xmlhttprequest',
  'xhr',
  'websocket',
  'ping',
  'media',
  'font',
  'other',
  'popup',
  'match-case',
]);

/** Hosts-file addresses that null-route the name after them. */
const HOSTS_FILE_SINKS = new Set(['0.0.0.0', '127.0.0.1', '::', '::1']);
/** Names every hosts file maps to itself; they are boilerplate, not indicators. */
const HOSTS_FILE_BOILERPLATE = new Set([
  'localhost',
  'localhost.localdomain',
  'local',
  'broadcasthost',
  'ip6-localhost',
  'ip6-loopback',
  '0.0.0.0',
]);

const COSMETIC_MARKERS = ['##', '#@#', '#?#', '#$#', '#%#'];

/**
 * One line of a plain-text blocklist -> the indicator it names, or `null` for a line that names none (blank,
 * `!` or `#` comment, `[Adblock Plus 2.0]` header, hosts-file boilerplate). Accepted shapes:
 *
 * - a bare indicator, as `parseIndicator` reads it (`1.2.3.4`, `evil.com`, `evil.com/dl/x.exe`);
 * - a hosts-file line, `0.0.0.0 evil.com` (also `127.0.0.1`, `::`, `::1`), with an optional `# comment`;
 * - an Adblock network rule that blocks a whole host or URL: `||host^` (the host and its subdomains: a domain,
 *   or an IPv4 address), `||host/path^` (a URL), `|http://host/path|`, each optionally followed by
 *   `$options` from the request-type set above (`$all`, `$document`, `$third-party`...).
 *
 * Exception rules (`@@`), cosmetic rules (`##`), wildcards, unanchored patterns and options that change the
 * rule's meaning are rejected with `BLOCKLIST_RULE_UNSUPPORTED`: importing them as indicators would block
 * something other than what the list says. Never throws.
 */
export function parseBlocklistLine(raw: string): ParsedIndicator | Rejection | null {
  if (typeof raw !== 'string') return reject('EMPTY', 'the line is not a string');
  // parseIndicator bounds its own input, but the scans below run first.
  if (raw.length > MAX_LINE_LENGTH) return parseIndicator(raw);
  const line = trimAsciiWhitespace(raw);
  if (line.length === 0 || line.startsWith('!')) return null;
  if (line.startsWith('[') && line.endsWith(']')) return null;
  const cosmetic = COSMETIC_MARKERS.find((marker) => line.includes(marker));
  if (cosmetic !== undefined) {
    return unsupported(line, `a cosmetic rule (${cosmetic}) hides page elements and names no indicator`);
  }
  if (line.startsWith('#')) return null;
  if (line.startsWith('@@')) {
    return unsupported(line, 'an exception rule (@@) allows traffic; only blocking rules are imported');
  }
  if (line.startsWith('|')) return parseAdblockRule(line);
  const hostsEntry = parseHostsFileLine(line);
  if (hostsEntry !== undefined) return hostsEntry;
  if (/[\^*]/.test(line) || line.startsWith('/')) {
    return unsupported(
      line,
      'an unanchored Adblock pattern matches anywhere in a URL; write it as ||host^ or ||host/path^',
    );
  }
  return parseIndicator(line);
}

function parseAdblockRule(line: string): ParsedIndicator | Rejection {
  const dollar = line.lastIndexOf('$');
  const pattern = dollar >= 0 ? line.slice(0, dollar) : line;
  if (dollar >= 0) {
    const options = line.slice(dollar + 1).split(',');
    const refused = options.find((option) => !TYPE_OPTIONS.has(option.trim().toLowerCase()));
    if (refused !== undefined) {
      return unsupported(
        line,
        `the option "${shown(refused)}" changes what the rule blocks; only request-type options such as $all are imported`,
      );
    }
  }
  const domainAnchored = pattern.startsWith('||');
  let target = pattern.slice(domainAnchored ? 2 : 1);
  if (target.endsWith('|')) target = target.slice(0, -1);
  if (target.endsWith('^')) target = target.slice(0, -1);
  if (target.length === 0) return unsupported(line, 'the rule names no host');
  if (/[\^*|]/.test(target)) {
    return unsupported(line, 'wildcards and inner separators (*, ^, |) match more than one indicator');
  }
  if (!domainAnchored) {
    // `|...` anchors a whole URL, so it must carry its scheme.
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
      return unsupported(line, 'a rule anchored with a single | must start with a URL scheme (|http://...)');
    }
    return parseIndicator(target, 'url');
  }
  // `||host^` covers the host and its subdomains, as a domain indicator does; a path makes it a URL.
  return target.includes('/') ? parseIndicator(target, 'url') : parseIndicator(target);
}

/** The name of a hosts-file line, `undefined` when the line is not one. */
function parseHostsFileLine(line: string): ParsedIndicator | Rejection | null | undefined {
  const withoutComment = line.replace(/\s+#.*$/, '');
  const fields = withoutComment.split(/[ \t]+/);
  if (fields.length < 2 || !HOSTS_FILE_SINKS.has(fields[0]!)) return undefined;
  if (fields.length > 2) {
    return unsupported(line, 'a hosts-file line with several names; give each its own line');
  }
  const name = fields[1]!;
  return HOSTS_FILE_BOILERPLATE.has(name.toLowerCase()) ? null : parseIndicator(name);
}

function unsupported(line: string, why: string): Rejection {
  return reject('BLOCKLIST_RULE_UNSUPPORTED', `${shown(line)} is not imported: ${why}`);
}
