import { describe, expect, it } from 'vitest';
import { snapshotFormatFor } from './snapshot-formats';

describe('snapshotFormatFor', () => {
  it("gives the stream's format to an agent that reads it, entries-v1 to one that does not", () => {
    expect(snapshotFormatFor('columns-v1', ['entries-v1', 'columns-v1'])).toBe('columns-v1');
    expect(snapshotFormatFor('columns-v1', ['columns-v9', 'columns-v1'])).toBe('columns-v1');
    expect(snapshotFormatFor('columns-v1', ['entries-v1'])).toBe('entries-v1');
    expect(snapshotFormatFor('columns-v1', ['columns-v9'])).toBe('entries-v1');
    // An agent whose hello names no formats predates them: entries-v1 only.
    expect(snapshotFormatFor('columns-v1', undefined)).toBe('entries-v1');
    expect(snapshotFormatFor('entries-v1', undefined)).toBe('entries-v1');
  });
});
