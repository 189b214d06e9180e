import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ensureRequestId } from './request-id';

function exchange(headers: Record<string, string> = {}) {
  const req = new IncomingMessage(new Socket()) as IncomingMessage & { id?: unknown };
  req.headers = headers;
  return { req, res: new ServerResponse(req) };
}

describe('ensureRequestId', () => {
  it('keeps a valid incoming x-request-id and echoes it', () => {
    const { req, res } = exchange({ 'x-request-id': 'lb-7f3a:42' });
    expect(ensureRequestId(req, res)).toBe('lb-7f3a:42');
    expect(req.id).toBe('lb-7f3a:42');
    expect(res.getHeader('x-request-id')).toBe('lb-7f3a:42');
  });

  it('replaces a missing, overlong or log-forging id with a new UUID', () => {
    const invalid: Record<string, string>[] = [
      {},
      { 'x-request-id': 'a'.repeat(129) },
      { 'x-request-id': 'x\n{"level":"fatal"}' },
    ];
    for (const headers of invalid) {
      const { req, res } = exchange(headers);
      const id = ensureRequestId(req, res);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(res.getHeader('x-request-id')).toBe(id);
    }
  });

  it('answers the same id however often it is called for one request', () => {
    const { req, res } = exchange();
    expect(ensureRequestId(req, res)).toBe(ensureRequestId(req, res));
  });
});
