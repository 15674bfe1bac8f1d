/**
 * Memory of the tfjs-backend-wasm heap, which training at base size fills.
 *
 * The heap is one WebAssembly memory capped at 4 GiB (the emscripten build's maximum, 65535 pages). Two things made a
 * batch-8 base-size step die with "memory access out of bounds":
 * - tfjs-core's autograd saves every tensor a gradient needs through `engine.clone`, i.e. the Identity kernel. The
 *   cpu and webgpu backends share the buffer there (a reference count), but tfjs-backend-wasm 4.22 copies it: every
 *   activation and every weight a matMul reads was duplicated until the end of the backward pass (1.2 GiB of copies
 *   in a batch-4 step), which took the step past the cap.
 * - at the cap `malloc` returns 0, which the backend does not check: it writes the tensor over address 0 onwards,
 *   corrupts the allocator and a later `free` traps, far from the cause.
 * `useSharedWasmIdentity` gives the wasm backend the cpu backend's Identity (tensors are immutable, as the wasm
 * backend's own Reshape already relies on); `guardWasmHeap` turns a failed allocation into a clear error and keeps
 * the live and peak byte counts that tests and the bench read.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AppError } from '../core/errors';

/** The wasm heap's hard maximum: emscripten's 4 GiB less one 64 KiB page. */
export const WASM_HEAP_MAX_BYTES = 4294901760;

/** The initial heap (static data and stack), which no tensor can use. */
const STATIC_RESERVE_BYTES = 16 * 2 ** 20;

/** The parts of the emscripten module this file touches (the backend keeps it as `wasm`). */
interface HeapModule {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  readonly HEAPU8: Uint8Array;
}

/** Bytes the backend holds through `malloc` now, the most since the last reset, and the heap's current size. */
export interface WasmHeapUse {
  readonly live: number;
  readonly peak: number;
  readonly heap: number;
}

const shareIdentity: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const x = inputs['x'];
    if (x === undefined) throw new AppError('internal', 'Identity called without an input.');
    // The kernel API types the backend as {}; every backend has incRef (wasm's own Reshape calls it).
    (backend as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  },
};

/**
 * Replaces the wasm backend's copying Identity kernel by one that shares the input's buffer. Does nothing where
 * tfjs-backend-wasm is not loaded; safe to call again.
 */
export function useSharedWasmIdentity(): void {
  const current = tf.getKernel(tf.Identity, 'wasm') as tf.KernelConfig | undefined;
  if (current === undefined || current.kernelFunc === shareIdentity.kernelFunc) return;
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel(shareIdentity);
}

interface Tracker {
  readonly module: HeapModule;
  readonly sizes: Map<number, number>;
  live: number;
  peak: number;
}

let tracker: Tracker | null = null;

function heapModule(): HeapModule | null {
  if (tf.getBackend() !== 'wasm') return null;
  const wasm = (tf.backend() as unknown as { wasm?: Partial<HeapModule> }).wasm;
  const ok = wasm !== undefined && typeof wasm._malloc === 'function' && typeof wasm._free === 'function';
  return ok ? (wasm as HeapModule) : null;
}

/**
 * Wraps the active wasm backend's `malloc`/`free`: an allocation the heap cannot satisfy throws an AppError instead
 * of handing out address 0, and live/peak bytes are counted. Does nothing on other backends; safe to call again.
 */
export function guardWasmHeap(): void {
  const module = heapModule();
  if (module === null || tracker?.module === module) return;
  const t: Tracker = { module, sizes: new Map(), live: 0, peak: 0 };
  const malloc = module._malloc.bind(module);
  const free = module._free.bind(module);
  const outOfMemory = (bytes: number): AppError => {
    const gib = (n: number): string => (n / 2 ** 30).toFixed(2);
    return new AppError(
      'internal',
      `The WASM engine ran out of memory: ${gib(t.live)} GiB in use, ${String(bytes)} more bytes requested, ` +
        `${gib(WASM_HEAP_MAX_BYTES)} GiB at most. Train with a smaller batch or shorter clips.`,
    );
  };
  module._malloc = (bytes: number): number => {
    // Requests that cannot fit are refused before malloc: within a few MiB of 4 GiB its 32-bit size arithmetic wraps
    // and it hands out a small block instead of failing.
    if (bytes > WASM_HEAP_MAX_BYTES - STATIC_RESERVE_BYTES - t.live) throw outOfMemory(bytes);
    const pointer = malloc(bytes);
    if (pointer === 0 && bytes > 0) throw outOfMemory(bytes);
    // malloc returns a signed i32: pointers above 2 GiB come back negative.
    t.sizes.set(pointer >>> 0, bytes);
    t.live += bytes;
    if (t.live > t.peak) t.peak = t.live;
    return pointer;
  };
  module._free = (pointer: number): void => {
    const key = pointer >>> 0;
    t.live -= t.sizes.get(key) ?? 0;
    t.sizes.delete(key);
    free(pointer);
  };
  tracker = t;
}

/** The guarded heap's use, or null when `guardWasmHeap` has not wrapped the active backend. */
export function wasmHeapUse(): WasmHeapUse | null {
  const t = tracker;
  if (t === null || heapModule() !== t.module) return null;
  return { live: t.live, peak: t.peak, heap: t.module.HEAPU8.length };
}

/** Starts a new peak from the bytes live now. */
export function resetWasmPeak(): void {
  if (tracker !== null) tracker.peak = tracker.live;
}
