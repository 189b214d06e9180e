import { describe, it, expect } from 'vitest';
import { placeholder_matcher } from './index';
describe('smoke', () => {
  it('resolves workspace libs from source', () => {
    expect(placeholder_matcher).toBe('iocm');
  });
});
