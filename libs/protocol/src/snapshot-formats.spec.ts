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

  it('falls back from indicators-bin-v1 to columns-v1, then to entries-v1', () => {
    const all = ['entries-v1', 'columns-v1', 'indicators-bin-v1'];
    expect(snapshotFormatFor('indicators-bin-v1', all)).toBe('indicators-bin-v1');
    // An agent from before indicators-bin-v1.
    expect(snapshotFormatFor('indicators-bin-v1', ['entries-v1', 'columns-v1'])).toBe('columns-v1');
    expect(snapshotFormatFor('indicators-bin-v1', ['entries-v1'])).toBe('entries-v1');
    expect(snapshotFormatFor('indicators-bin-v1', undefined)).toBe('entries-v1');
    // Never a format better than the frame's own: a columns-v1 frame is not sent as bytes.
    expect(snapshotFormatFor('columns-v1', all)).toBe('columns-v1');
  });
});
