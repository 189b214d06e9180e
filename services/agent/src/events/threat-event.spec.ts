import { threatEventSchema, THREAT_EVENT_TEXT_LIMITS } from '@threatline/protocol';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../model/settings';
import { eventsOf } from './threat-event';

describe('eventsOf', () => {
  it('makes events the service accepts, even from odd caller input (long URL, control characters)', () => {
    const events = eventsOf(
      {
        action: 'drop',
        matches: [
          {
            source: 'MDR',
            field: 'url',
            indicator: 'evil.example/',
            auditId: 'MDR-1',
            action: 'drop',
            dryRun: false,
          },
          {
            source: 'XOPS',
            field: 'dstIp',
            indicator: '192.0.2.1',
            auditId: 'X-1',
            action: 'log',
            dryRun: true,
          },
        ],
      },
      {
        direction: 'outbound',
        srcIp: '10.0.0.1',
        dstIp: '192.0.2.1',
        domain: 'a.'.repeat(200) + 'evil.example',
        url: `http://evil.example/${'x'.repeat(8000)}`,
        endpoint: { host: 'pc\n01', user: 'alice\u0000', process: 'p'.repeat(256) },
      },
      DEFAULT_SETTINGS,
      undefined,
    );
    expect(events).toHaveLength(2);
    for (const event of events) expect(threatEventSchema.safeParse(event).error).toBeUndefined();
    expect(events[0]!.url).toHaveLength(THREAT_EVENT_TEXT_LIMITS.url);
    expect(events[0]!.endpoint).toEqual({
      host: 'pc\ufffd01',
      user: 'alice\ufffd',
      process: 'p'.repeat(256),
    });
    // Seed 000: the endpoint only with a drop.
    expect(events[1]!.endpoint).toBeUndefined();
  });
});
