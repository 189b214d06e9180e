// Stream ids name the streams on the wire, in the database and in bus channels (`stream:<id>`). They are stable
// text: a prefix naming what the stream holds and, but for the global X-Ops stream, the uuid of its owner.

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const STREAM_ID = new RegExp(`^(?:(mdr:t|mdr:g|exc:g|set:f):(${UUID})|xops)$`);

/** The longest stream id (`exc:g:` + a uuid); anything longer is not one. */
export const MAX_STREAM_ID_LENGTH = 42;

export type StreamId = string;

/** What a stream holds, which decides the shape of its entries and how they are checksummed. */
export type StreamKind = 'indicators' | 'exclusions' | 'settings';

export type ParsedStreamId =
  | { kind: 'indicators'; source: 'MDR'; scope: 'tenant'; tenantId: string }
  | { kind: 'indicators'; source: 'MDR'; scope: 'group'; groupId: string }
  | { kind: 'indicators'; source: 'XOPS'; scope: 'global' }
  | { kind: 'exclusions'; groupId: string }
  | { kind: 'settings'; firewallId: string };

/** MDR indicators pushed to a whole tenant. */
export function mdrTenantStreamId(tenantId: string): StreamId {
  return checked(`mdr:t:${tenantId}`);
}

/** MDR indicators pushed to one firewall group. */
export function mdrGroupStreamId(groupId: string): StreamId {
  return checked(`mdr:g:${groupId}`);
}

/** The global X-Ops indicators. */
export const XOPS_STREAM_ID: StreamId = 'xops';

/** A group's threat exclusions. */
export function exclusionStreamId(groupId: string): StreamId {
  return checked(`exc:g:${groupId}`);
}

/** A firewall's own settings (one entry, key `settings`). */
export function settingsStreamId(firewallId: string): StreamId {
  return checked(`set:f:${firewallId}`);
}

/** The five streams a firewall of `tenantId` in `groupId` holds, in a fixed order. */
export function streamsOfFirewall(firewall: {
  tenantId: string;
  groupId: string;
  firewallId: string;
}): StreamId[] {
  return [
    mdrTenantStreamId(firewall.tenantId),
    mdrGroupStreamId(firewall.groupId),
    XOPS_STREAM_ID,
    exclusionStreamId(firewall.groupId),
    settingsStreamId(firewall.firewallId),
  ];
}

/** The parts of a stream id, or null when the text is not one. */
export function parseStreamId(id: string): ParsedStreamId | null {
  if (id.length > MAX_STREAM_ID_LENGTH) return null;
  const match = STREAM_ID.exec(id);
  if (match === null) return null;
  const [, prefix, owner] = match;
  if (prefix === undefined || owner === undefined)
    return { kind: 'indicators', source: 'XOPS', scope: 'global' };
  switch (prefix) {
    case 'mdr:t':
      return { kind: 'indicators', source: 'MDR', scope: 'tenant', tenantId: owner };
    case 'mdr:g':
      return { kind: 'indicators', source: 'MDR', scope: 'group', groupId: owner };
    case 'exc:g':
      return { kind: 'exclusions', groupId: owner };
    default:
      return { kind: 'settings', firewallId: owner };
  }
}

export function isStreamId(id: string): boolean {
  return parseStreamId(id) !== null;
}

/** The kind of a valid stream id; throws a RangeError on anything else (a programming error). */
export function streamKindOf(id: StreamId): StreamKind {
  const parsed = parseStreamId(id);
  if (parsed === null) throw new RangeError(`not a stream id: ${JSON.stringify(id)}`);
  return parsed.kind;
}

/** The indicator source of an indicator stream: MDR for `mdr:*`, XOPS for `xops`. */
export function indicatorSourceOf(id: StreamId): 'MDR' | 'XOPS' {
  const parsed = parseStreamId(id);
  if (parsed?.kind !== 'indicators')
    throw new RangeError(`not an indicator stream id: ${JSON.stringify(id)}`);
  return parsed.source;
}

function checked(id: string): StreamId {
  if (!STREAM_ID.test(id))
    throw new RangeError(`owner is not a lowercase uuid in stream id ${JSON.stringify(id)}`);
  return id;
}
