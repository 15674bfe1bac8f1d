/**
 * Background cache writes: `put` must not wait for the slow store, reads must see what was put, and `flush` must
 * not return before every write has landed or failed (a failed write loses nothing but the cache entry).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackgroundWriteStore, MemoryStore, type ByteStore } from '../../src/runtime/cache';

/** A store whose writes wait until released, and can be told to fail. */
class GatedStore implements ByteStore {
  readonly inner = new MemoryStore();
  private gates: (() => void)[] = [];
  fail = false;
  writes = 0;
  get(key: string): Promise<Uint8Array | null> {
    return this.inner.get(key);
  }
  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.writes++;
    await new Promise<void>((resolve) => this.gates.push(resolve));
    if (this.fail) throw new Error('QuotaExceededError');
    await this.inner.put(key, bytes);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  release(): void {
    for (const open of this.gates.splice(0)) open();
  }
}

const bytes = (...v: number[]): Uint8Array => Uint8Array.from(v);
/** Lets queued promise callbacks run. */
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('BackgroundWriteStore', () => {
  it('returns from put before the store has written, serves the pending bytes, and flush waits for the write', async () => {
    const slow = new GatedStore();
    const store = new BackgroundWriteStore(slow);
    await store.put('a', bytes(1, 2));
    await tick();
    expect(slow.writes).toBe(1);
    expect(await slow.get('a')).toBeNull();
    expect(await store.get('a')).toEqual(bytes(1, 2));
    let flushed = false;
    const flushing = store.flush().then(() => (flushed = true));
    await tick();
    expect(flushed).toBe(false);
    slow.release();
    await flushing;
    expect(await slow.get('a')).toEqual(bytes(1, 2));
    expect(await store.get('a')).toEqual(bytes(1, 2));
  });

  it('past its budget of pending bytes, a put waits for the writes before it and its own', async () => {
    const slow = new GatedStore();
    const store = new BackgroundWriteStore(slow, 3);
    // Over the budget on its own: the put waits for its own write.
    let first = false;
    const writing = store.put('big', bytes(1, 2, 3, 4)).then(() => (first = true));
    await tick();
    expect(first).toBe(false);
    slow.release();
    await writing;
    expect(await slow.get('big')).toEqual(bytes(1, 2, 3, 4));
    // Within the budget: returns at once; the next one that would pass it waits for the first to land.
    await store.put('a', bytes(5, 6));
    let second = false;
    const putting = store.put('b', bytes(7, 8)).then(() => (second = true));
    await tick();
    expect(second).toBe(false);
    slow.release();
    await tick();
    expect(await slow.get('a')).toEqual(bytes(5, 6));
    await putting;
    expect(second).toBe(true);
    expect(await store.get('b')).toEqual(bytes(7, 8));
  });

  it('keeps the last of two writes of one key', async () => {
    const slow = new GatedStore();
    const store = new BackgroundWriteStore(slow);
    await store.put('k', bytes(1));
    await store.put('k', bytes(2));
    expect(await store.get('k')).toEqual(bytes(2));
    const flushing = store.flush();
    for (let i = 0; i < 2; i++) {
      await tick();
      slow.release();
    }
    await flushing;
    expect(await slow.get('k')).toEqual(bytes(2));
  });

  it('a failed write warns, flush still resolves, and the entry is simply not cached', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const slow = new GatedStore();
    slow.fail = true;
    const store = new BackgroundWriteStore(slow);
    await store.put('big', bytes(9));
    await tick();
    slow.release();
    await store.flush();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('cache write failed for big'), expect.any(Error));
    expect(await store.get('big')).toBeNull();
  });

  it('delete waits for a pending write of the key, so the entry does not come back', async () => {
    const slow = new GatedStore();
    const store = new BackgroundWriteStore(slow);
    await store.put('x', bytes(3));
    const deleting = store.delete('x');
    await tick();
    slow.release();
    await deleting;
    expect(await store.get('x')).toBeNull();
  });
});
