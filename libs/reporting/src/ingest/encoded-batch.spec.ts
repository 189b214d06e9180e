import { describe, expect, it } from 'vitest';
import { makeThreatEvent } from '../testing/threat-events';
import { ingestJobId } from './encoded-batch';

describe('ingestJobId', () => {
  it('stays what it was for the same batch (a batch resent across an upgrade finds its queued job)', () => {
    const events = [1, 2].map((n) => makeThreatEvent({ id: `00000000-0000-4000-8000-00000000000${n}` }));
    // sha256 of the batch id, then a newline and an id per event.
    expect(ingestJobId('fw', 'batch-1', events)).toBe('events-fw-0bac4e4ac17c9a2c0b685f4ea2ea1ee6');
    expect(ingestJobId('fw', 'batch-1', events.slice(0, 1))).not.toBe(ingestJobId('fw', 'batch-1', events));
  });
});
