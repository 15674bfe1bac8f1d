/** Browser/worker entry to the training engine: registers WebGPU, WASM and CPU backends, WASM served locally. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the umbrella @tensorflow/tfjs package would, but we ship only core.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { initEngine, type EngineBackend, type EngineInfo } from './engine';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': simdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': threadedUrl,
});

/**
 * Makes `navigator.hardwareConcurrency` read `cores` in this worker until the returned function is called. tfjs'
 * wasm side caps its thread pool at half the logical cores it sees when the module starts (backend.cc divides
 * `emscripten_num_logical_cores()` by 2 for hyper-threading), whatever `setThreadsCount` asked for: one thread on a
 * 2-core machine.
 */
function reportCores(cores: number): () => void {
  Object.defineProperty(navigator, 'hardwareConcurrency', { configurable: true, get: () => cores });
  return () => {
    Reflect.deleteProperty(navigator, 'hardwareConcurrency');
  };
}

/**
 * Starts the engine in the page or a worker; `order` defaults to WebGPU, then WASM, then CPU. `threads` above 1 runs
 * the wasm backend on tfjs' threaded SIMD build with that many threads, where SharedArrayBuffer is usable (a
 * cross-origin isolated page; tfjs checks it itself and stays on one thread elsewhere); 1 keeps it single-threaded.
 * The count is fixed once the wasm backend has started in this worker.
 */
export async function initWebEngine(
  order: readonly EngineBackend[] = ['webgpu', 'wasm', 'cpu'],
  threads = 1,
): Promise<EngineInfo> {
  if (threads <= 1) {
    // The plain SIMD build: no shared heap and no pool of pthread workers.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return initEngine(order);
  }
  // The threaded build's pthread scripts reach its workers as same-origin files (tools/vite/tfjs-wasm-threads.ts):
  // tfjs' own Blob URLs are refused by the page's policy, and its main script (the factory's source text) breaks
  // once minified (docs/decisions.md: one thread is the page's choice for now, threads were slower where measured).
  setThreadsCount(threads);
  const restore = reportCores(2 * threads);
  try {
    return await initEngine(order);
  } finally {
    restore();
  }
}
