/** Browser/worker entry to the training engine: registers WebGPU, WASM and CPU backends, WASM served locally. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the umbrella @tensorflow/tfjs package would, but we ship only core.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { initEngine, type EngineBackend, type EngineInfo } from './engine';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': simdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': threadedUrl,
});

/** Starts the engine in the page or a worker; `order` defaults to WebGPU, then WASM, then CPU. */
export function initWebEngine(order: readonly EngineBackend[] = ['webgpu', 'wasm', 'cpu']): Promise<EngineInfo> {
  // tfjs-backend-wasm starts its threads from its own source text (Function.toString), which the production build's
  // minifier breaks ("e is not defined" in a nested worker, killing the worker): single-threaded SIMD it is. It would
  // use half the cores at most anyway (one on a 2-core machine, see docs/decisions.md).
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  return initEngine(order);
}
