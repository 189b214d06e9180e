import { exclusionStreamId, mdrTenantStreamId, settingsStreamId, XOPS_STREAM_ID } from '@threatline/protocol';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeStreamNotice, noticeNamesStream, parseStreamNotice, streamChannel } from './notices';

describe('stream notices', () => {
  it('gives each shared stream a channel of its own, with a payload that needs no stream id', () => {
    for (const id of [mdrTenantStreamId(randomUUID()), exclusionStreamId(randomUUID()), XOPS_STREAM_ID]) {
      expect(streamChannel(id)).toBe(`stream:${id}`);
      expect(noticeNamesStream(id)).toBe(false);
      expect(encodeStreamNotice(id, { streamId: id, epoch: 2, head: 7 })).toBe('{"epoch":2,"head":7}');
    }
  });

  it('spreads settings streams over 256 bucket channels, the same in every process, naming the stream', () => {
    const ids = Array.from({ length: 5000 }, () => settingsStreamId(randomUUID()));
    const channels = new Set(ids.map(streamChannel));
    expect(channels.size).toBe(256);
    for (const channel of channels) expect(channel).toMatch(/^streams:set:\d{1,3}$/);
    const id = ids[0]!;
    // A fixed function of the id (FNV-1a), so writers and gateways agree without talking.
    expect(streamChannel('set:f:00000000-0000-0000-0000-000000000001')).toBe('streams:set:160');
    expect(parseStreamNotice(encodeStreamNotice(id, { streamId: id, epoch: 1, head: 3 }))).toEqual({
      stream: id,
      epoch: 1,
      head: 3,
    });
    expect(parseStreamNotice(encodeStreamNotice(id, undefined))).toEqual({ stream: id });
  });

  it('reads a malformed notice as a bare wake-up', () => {
    expect(parseStreamNotice('nope')).toEqual({});
    expect(parseStreamNotice('{"stream":5,"epoch":"1","head":2.5}')).toEqual({});
  });
});
