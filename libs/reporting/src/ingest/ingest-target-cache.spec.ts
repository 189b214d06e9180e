import { describe, expect, it } from 'vitest';
import { IngestTargetCache } from './ingest-target-cache';

const target = { tenantId: 't', groupId: 'g', centralReporting: true, retentionDays: 30 };

describe('IngestTargetCache', () => {
  it('gives a target back until its time is up, then forgets it', () => {
    const cache = new IngestTargetCache(1000);
    cache.set('f1', target, 10_000);
    expect(cache.get('f1', 10_999)).toBe(target);
    expect(cache.get('f2', 10_999)).toBeUndefined();
    expect(cache.get('f1', 11_000)).toBeUndefined();
    // Forgotten, not only hidden: an earlier time does not bring it back.
    expect(cache.get('f1', 10_500)).toBeUndefined();
  });

  it('starts over once it holds its most firewalls', () => {
    const cache = new IngestTargetCache(1000);
    for (let i = 0; i < 10_000; i++) cache.set(`f${i}`, target, 0);
    expect(cache.get('f0', 1)).toBe(target);
    cache.set('one-more', target, 0);
    expect(cache.get('f0', 1)).toBeUndefined();
    expect(cache.get('one-more', 1)).toBe(target);
  });
});
