import { describe, expect, it } from 'vitest';
import { CoalescingRunner } from './coalescing-runner';

describe('CoalescingRunner', () => {
  it('applies the first target at once and, of those asked meanwhile, only the newest', async () => {
    const applied: number[] = [];
    const computed: number[] = [];
    let release: () => void = () => undefined;
    const runner = new CoalescingRunner<number>(async (target) => {
      applied.push(target);
      if (target === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const ask = (n: number) =>
      runner.request(() => {
        computed.push(n);
        return n;
      });
    const first = ask(1);
    for (let n = 2; n <= 5; n++) void ask(n);
    release();
    await first;
    await runner.idle();
    expect(applied).toEqual([1, 5]);
    // Targets replaced while waiting were never computed.
    expect(computed).toEqual([1, 5]);
  });

  it('starts again after going idle', async () => {
    const applied: string[] = [];
    const runner = new CoalescingRunner<string>((target) => {
      applied.push(target);
      return Promise.resolve();
    });
    await runner.request(() => 'a');
    await runner.request(() => 'b');
    await runner.idle();
    expect(applied).toEqual(['a', 'b']);
  });
});
