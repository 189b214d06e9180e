import { entryIssue, parseStreamId, type StreamId } from '@threatline/protocol';
import type { StreamChange } from './stream-change';

/**
 * Refuses (RangeError) a change whose entry is not an entry of the stream's kind, as libs/protocol defines it, or
 * whose key is not its entry's: what is written is always what agents accept.
 */
export function validateChanges(streamId: StreamId, changes: readonly StreamChange[]): void {
  const stream = parseStreamId(streamId);
  if (stream === null) throw new RangeError(`not a stream id: ${JSON.stringify(streamId)}`);
  for (const [index, change] of changes.entries()) {
    if (change.op === 'remove') continue;
    const issue = entryIssue(stream.kind, change.entry);
    if (issue !== null) {
      const where = issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
      throw new RangeError(
        `change ${index} on ${streamId}: not a ${stream.kind} entry (${where}${issue.message})`,
      );
    }
    if (change.entry.key !== change.key) {
      throw new RangeError(
        `change ${index} on ${streamId}: key ${JSON.stringify(change.key)} differs from entry.key`,
      );
    }
  }
}
