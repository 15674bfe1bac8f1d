import { describe, expect, it } from 'vitest';
import { methodProxy } from '../../src/worker-api/method-proxy';

interface Api {
  readonly add: (a: number, b: number) => string;
  readonly init: () => string;
  readonly close: () => string;
}

describe('methodProxy', () => {
  it('answers every method with one generic call, one function per name, own properties first', async () => {
    const calls: [string, unknown[]][] = [];
    const api = methodProxy<Api>(
      (name, args) => {
        calls.push([name, args]);
        return `${name}(${args.join(',')})`;
      },
      { close: () => 'own close' },
      ['init'],
    );
    expect(api.add(1, 2)).toBe('add(1,2)');
    expect(api.close()).toBe('own close');
    expect(calls).toEqual([['add', [1, 2]]]);
    // The same function each time, so React dependency lists stay stable.
    expect(api.add).toBe(api.add);
    // Never mistaken for a promise; hidden methods are out of reach.
    expect((api as unknown as { then?: unknown }).then).toBeUndefined();
    expect(api.init as unknown).toBeUndefined();
    await expect(Promise.resolve(api)).resolves.toBe(api);
  });
});
