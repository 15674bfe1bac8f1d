import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { initNodeEngine } from '../../src/mmer/engine-node';
import { resetWasmPeak, WASM_HEAP_MAX_BYTES, wasmHeapUse } from '../../src/mmer/wasm-memory';

function heap(): { live: number; peak: number } {
  const use = wasmHeapUse();
  if (use === null) throw new Error('the wasm heap is not guarded');
  return use;
}
const live = (): number => heap().live;
const wasmPeak = (): number => heap().peak;

describe('wasm heap', () => {
  beforeAll(async () => {
    expect((await initNodeEngine(['wasm'])).backend).toBe('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('shares buffers in Identity, as autograd clones every tensor it saves', async () => {
    const x = tf.range(0, 2 ** 18);
    const before = live();
    const y = tf.clone(x);
    expect(live()).toBe(before);
    x.dispose();
    expect(Array.from((await y.data()).subarray(0, 3))).toEqual([0, 1, 2]);
    y.dispose();
    expect(live()).toBe(before - 2 ** 20);
  });

  it('keeps weights a matMul gradient saves without copying them', () => {
    const w = tf.variable(tf.ones([256, 256]));
    resetWasmPeak();
    const before = live();
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.matMul(tf.ones([1, 256]), w)), [w]);
    // The gradient [256, 256] and a few 1 KiB vectors, but no second copy of w kept for the backward pass.
    expect(wasmPeak() - before).toBeLessThan(1.5 * 256 * 256 * 4);
    tf.dispose([value, ...Object.values(grads), w]);
  });

  it('throws a clear error, and stays usable, when an allocation does not fit', async () => {
    const module = (
      tf.backend() as unknown as { wasm: { _malloc(bytes: number): number; _free(pointer: number): void } }
    ).wasm;
    // Near 4 GiB malloc's 32-bit size arithmetic wraps: unguarded, it returns a small block of the heap.
    expect(() => module._malloc(WASM_HEAP_MAX_BYTES - 1024)).toThrow(/ran out of memory/);
    // A full heap (reserved, never written: the process does not grow by it). Unguarded, malloc returns address 0
    // and the backend writes the tensor over the allocator's own state.
    const blocks = [module._malloc(1.9 * 2 ** 30), module._malloc(1.9 * 2 ** 30)];
    expect(Array.from(blocks).filter((p) => p === 0)).toEqual([]);
    expect(() => tf.fill([2 ** 27], 1)).toThrow(AppError);
    for (const p of blocks) module._free(p);
    const sum = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]));
    expect(Array.from(await sum.data())).toEqual([4, 6]);
  });
});
