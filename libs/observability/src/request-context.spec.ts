import { describe, expect, it } from 'vitest';
import { RequestContext } from './request-context';

describe('RequestContext', () => {
  it('gives the request id of the scope the code runs in, across awaits', async () => {
    const context = new RequestContext();
    expect(context.requestId()).toBeUndefined();
    const seen = await Promise.all(
      ['req-1', 'req-2'].map((requestId) =>
        context.run({ requestId }, async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return context.requestId();
        }),
      ),
    );
    expect(seen).toEqual(['req-1', 'req-2']);
    expect(context.requestId()).toBeUndefined();
  });
});
