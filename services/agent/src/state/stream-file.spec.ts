import { describe, expect, it } from 'vitest';
import { streamShape } from '../model/stream-entry';
import { excl, ioc, makeStreamIds, settings } from '../model/streams.test-support';
import { decodeStreamEntries, encodeStreamEntries } from './stream-file';

describe('stream entries files', () => {
  const ids = makeStreamIds();

  it('round-trips every kind of entry, odd characters included', async () => {
    const cases = [
      [
        ids.tenant,
        [
          ioc('url', 'evil.example/a?b=c'),
          ioc('domain', 'evil.example', 'MDR-1', true),
          ioc('ipv4', 'a\tb\\c'),
        ],
      ],
      [
        ids.exclusions,
        [excl({ type: 'HOST', value: 'pc-1' }), excl({ type: 'NETWORK', value: '10.0.0.0/8' })],
      ],
      [ids.settings, [settings({ centralReporting: false })]],
    ] as const;
    for (const [stream, entries] of cases) {
      const shape = streamShape(stream)!;
      const text = encodeStreamEntries(shape, entries);
      const decoded = await decodeStreamEntries(shape, text);
      expect(decoded).toEqual(new Map(entries.map((entry) => [entry.key, entry])));
    }
    expect(encodeStreamEntries(streamShape(ids.tenant)!, [ioc('domain', 'evil.example')])).toBe(
      'domain\tevil.example\tMDR-20261123-AAAAAAAA\t0\n',
    );
  });

  it('names the first bad line', async () => {
    const shape = streamShape(ids.tenant)!;
    expect(await decodeStreamEntries(shape, 'domain\tevil.example\tA\t0\nbogus\tx\tA\t0\n')).toBe(
      'line 2: entry bogus:x: unknown indicator type',
    );
    expect(await decodeStreamEntries(shape, 'domain\tevil.example\tA\t0')).toBe('line 1 is not terminated');
    expect(await decodeStreamEntries(shape, '[oops\n')).toBe('line 1 is not JSON');
    expect(await decodeStreamEntries(shape, 'domain\tevil.example\tA\t0\ndomain\tevil.example\tB\t1\n')).toBe(
      'line 2: domain:evil.example appears twice',
    );
  });
});
