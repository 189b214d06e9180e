import { parseIndicator } from '@threatline/ioc';
import { describe, expect, it } from 'vitest';
import { MAX_ECHOED_LENGTH, readLines } from './feed-lines';

interface Line {
  value: string;
  ttlSeconds?: number;
  description?: string;
}

const read = (lines: Line[]) =>
  readLines(
    lines,
    (line) => line.value,
    (line) => parseIndicator(line.value),
    (line) => ({ ttlSeconds: line.ttlSeconds, description: line.description }),
  );

describe('readLines', () => {
  it('normalizes every line and rejects bad ones by index without stopping', () => {
    const result = read([{ value: 'Evil.COM' }, { value: '127.1' }, { value: 'http://1.2.3.4/x' }]);
    expect(result.indicators).toEqual([
      { type: 'domain', value: 'evil.com', description: null, ttlSeconds: null },
      { type: 'url', value: '1.2.3.4/x', description: null, ttlSeconds: null },
    ]);
    expect(result.rejected).toEqual([
      {
        index: 1,
        value: '127.1',
        code: 'IPV4_NON_CANONICAL',
        reason: expect.stringContaining('127.0.0.1') as string,
        suggestion: '127.0.0.1',
      },
    ]);
  });

  it('merges lines that normalize to the same indicator', () => {
    const result = read([
      { value: 'evil.com', ttlSeconds: 60 },
      { value: 'EVIL.com.', ttlSeconds: 600, description: 'second' },
      { value: '1.2.3.4/32', description: 'first' },
      { value: '1.2.3.4' },
    ]);
    expect(result.indicators).toEqual([
      { type: 'domain', value: 'evil.com', description: 'second', ttlSeconds: 600 },
      { type: 'ipv4', value: '1.2.3.4', description: 'first', ttlSeconds: null },
    ]);
  });

  it('lets a line without TTL outlive every TTL of the same indicator', () => {
    const result = read([
      { value: 'a.com', ttlSeconds: 60 },
      { value: 'a.com' },
      { value: 'a.com', ttlSeconds: 9 },
    ]);
    expect(result.indicators[0]?.ttlSeconds).toBeNull();
  });

  it('skips lines the parser says name nothing', () => {
    const result = readLines(
      ['! comment', 'evil.com'],
      (line) => line,
      (line) => (line.startsWith('!') ? null : parseIndicator(line)),
    );
    expect(result.indicators.map((indicator) => indicator.value)).toEqual(['evil.com']);
    expect(result.rejected).toEqual([]);
  });

  it('echoes at most MAX_ECHOED_LENGTH characters of a rejected line', () => {
    const long = 'x'.repeat(9000);
    const [rejected] = read([{ value: long }]).rejected;
    expect(rejected?.value).toBe(`${'x'.repeat(MAX_ECHOED_LENGTH)}...`);
    expect(rejected?.code).toBe('TOO_LONG');
  });
});
