import { describe, expect, it } from 'vitest';
import { checkDependencies } from './readiness';

describe('checkDependencies', () => {
  it('reports every dependency up when each check resolves', async () => {
    const report = await checkDependencies({
      database: () => Promise.resolve(),
      messaging: () => Promise.resolve(),
    });
    expect(report).toEqual({ checks: { database: 'up', messaging: 'up' }, down: [], failures: {} });
  });

  it('names the dependencies whose check rejects, with the reason', async () => {
    const report = await checkDependencies({
      database: () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:5432')),
      messaging: () => Promise.resolve(),
    });
    expect(report).toEqual({
      checks: { database: 'down', messaging: 'up' },
      down: ['database'],
      failures: { database: 'ECONNREFUSED 127.0.0.1:5432' },
    });
  });

  it('counts a check that hangs past the timeout as down', async () => {
    const started = Date.now();
    const report = await checkDependencies(
      { database: () => Promise.resolve(), messaging: () => new Promise<void>(() => undefined) },
      50,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(report.down).toEqual(['messaging']);
    expect(report.failures['messaging']).toBe('no answer within 50 ms');
  });
});
