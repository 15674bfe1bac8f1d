/** Recordings kept chunk by chunk: their length grows with each chunk, any range reads back, and one left running is found after a "reload". */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { RecordingStore } from '../../src/data/recordings/recording-store';

const ramp = (from: number, n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => (from + i) / 1e5);

describe('RecordingStore', () => {
  it('stores chunks as they come, reads any range back and finds an interrupted recording after reopening', async () => {
    const store = await RecordingStore.open();
    const rec = await store.create('r1');
    const sizes = [8000, 8000, 3000, 12_000];
    let at = 0;
    for (const [seq, n] of sizes.entries()) {
      await store.append(rec.id, seq, ramp(at, n));
      at += n;
    }
    store.close();

    // A reload: the recording is still there, still marked as running, with every sample.
    const again = await RecordingStore.open();
    const [found] = await again.list();
    expect(found).toMatchObject({ id: 'r1', state: 'recording', samples: 31_000 });
    const whole: number[] = [];
    for await (const chunk of again.chunks('r1')) whole.push(...chunk);
    expect(Float32Array.from(whole)).toEqual(ramp(0, 31_000));
    expect(await again.range('r1', 7990, 19_010)).toEqual(ramp(7990, 11_020));

    await again.stop('r1');
    expect((await again.list())[0]?.state).toBe('stopped');
    await again.delete('r1');
    expect(await again.list()).toEqual([]);
    expect(await again.range('r1', 0, 10)).toEqual(new Float32Array(10));
    again.close();
  });

  it('refuses a chunk for a recording that does not exist', async () => {
    const store = await RecordingStore.open();
    await expect(store.append('nope', 0, ramp(0, 10))).rejects.toThrow('That recording no longer exists.');
    store.close();
  });
});
