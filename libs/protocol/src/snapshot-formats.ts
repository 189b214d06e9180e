// The layouts a binary snapshot frame's body may have. Its own module because hello (messages.ts) names them too:
// an agent says which it reads, and the gateway sends it only those.

/**
 * `entries-v1` the JSON array of the entries (any stream; what every agent reads, and what a frame header without
 * `format` holds), `columns-v1` the columns of snapshot-columns.ts (indicator and exclusion streams),
 * `indicators-bin-v1` the byte columns of snapshot-binary.ts (indicator streams). A new layout gets a new name; an
 * agent refuses a name it does not know.
 */
export const SNAPSHOT_BODY_FORMATS = ['entries-v1', 'columns-v1', 'indicators-bin-v1'] as const;
export type SnapshotBodyFormat = (typeof SNAPSHOT_BODY_FORMATS)[number];

/** The text format a stream's snapshots are laid out in by kind (the server's database lays it out): columns for the
 *  keyed entries of indicator and exclusion streams, the entries array for a settings stream's single entry. */
export function snapshotFormatOfKind(
  kind: 'indicators' | 'exclusions' | 'settings',
): 'entries-v1' | 'columns-v1' {
  return kind === 'settings' ? 'entries-v1' : 'columns-v1';
}

/** What an agent reads when its hello names no formats (agents from before formats were named). */
export const DEFAULT_SNAPSHOT_FORMATS: readonly SnapshotBodyFormat[] = ['entries-v1'];

/** What a snapshot laid out in a format can also be sent as, best first: an indicator stream's byte columns as its
 *  text columns (agents from before indicators-bin-v1), any columns as the entries array. */
const FALLBACKS: Readonly<Record<SnapshotBodyFormat, readonly SnapshotBodyFormat[]>> = {
  'indicators-bin-v1': ['indicators-bin-v1', 'columns-v1', 'entries-v1'],
  'columns-v1': ['columns-v1', 'entries-v1'],
  'entries-v1': ['entries-v1'],
};

/** The format to send a stream's snapshot in to an agent that reads `readable` (hello), given the one preferred
 *  for the stream: the first of the preferred one and its fallbacks the agent reads; `entries-v1`, which every
 *  agent reads, at the latest. */
export function snapshotFormatFor(
  preferred: SnapshotBodyFormat,
  readable: readonly string[] | undefined,
): SnapshotBodyFormat {
  const reads = readable ?? DEFAULT_SNAPSHOT_FORMATS;
  return FALLBACKS[preferred].find((format) => reads.includes(format)) ?? 'entries-v1';
}
