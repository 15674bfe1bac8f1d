/** The library's storage line and the persistence request, on stand-ins for `navigator.storage`. */
import { describe, expect, it } from 'vitest';
import { askToPersist, describeStorage, formatBytes, readStorage, type StorageLike } from '../../src/page/storage';

describe('readStorage', () => {
  it('reads usage, quota and persistence', async () => {
    const storage: StorageLike = {
      estimate: () => Promise.resolve({ usage: 12_345_678, quota: 2_000_000_000 }),
      persisted: () => Promise.resolve(false),
    };
    const state = await readStorage(storage);
    expect(state).toEqual({ usedBytes: 12_345_678, quotaBytes: 2_000_000_000, persisted: false });
    expect(describeStorage(state)).toBe(
      'The page stores 12.3 MB of the 2.0 GB this browser allows it. The browser may clear it when space runs low: export what you cannot lose.',
    );
  });

  it.each<[string, StorageLike | null]>([
    ['no storage manager', null],
    [
      'a storage manager that refuses',
      { estimate: () => Promise.reject(new Error('no')), persisted: () => Promise.reject(new Error('no')) },
    ],
  ])('gives nulls, not an error, with %s', async (_, storage) => {
    const state = await readStorage(storage);
    expect(state).toEqual({ usedBytes: null, quotaBytes: null, persisted: null });
    expect(describeStorage(state)).toBe('This browser does not say how much storage the page uses.');
  });
});

describe('askToPersist', () => {
  it('asks only when not already persisted, and returns the answer', async () => {
    const asked: string[] = [];
    const granted = await askToPersist({
      persisted: () => Promise.resolve(false),
      persist: () => {
        asked.push('persist');
        return Promise.resolve(true);
      },
    });
    expect([granted, asked]).toEqual([true, ['persist']]);
    const again = await askToPersist({
      persisted: () => Promise.resolve(true),
      persist: () => {
        asked.push('again');
        return Promise.resolve(true);
      },
    });
    expect([again, asked]).toEqual([true, ['persist']]);
    expect(await askToPersist({})).toBeNull();
  });
});

describe('formatBytes', () => {
  it.each([
    [999, '1 kB'],
    [1_500_000, '1.5 MB'],
    [2_340_000_000, '2.3 GB'],
  ])('%d -> %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
