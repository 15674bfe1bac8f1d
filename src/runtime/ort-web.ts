/**
 * onnxruntime-web adapter (worker side). The WebGPU build also carries the WASM backend, and it is the build
 * @huggingface/transformers imports, so the page ships one onnxruntime-web copy.
 */
import * as ort from 'onnxruntime-web/webgpu';
// Served from our own origin: the runtime must never fetch its WASM from a CDN (offline use, COEP, privacy).
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import mjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import type { Backend } from '../worker-api/protocol';
import type { OrtAdapter, OrtSession, OrtTensor } from './ort-types';

let configuredThreads: number | null = null;

/**
 * Sets WASM paths and thread count. Threads are fixed once the WASM runtime starts, so later calls with another
 * count have no effect (the worker is restarted to change them).
 */
export function configureOrtWeb(threads: number): void {
  if (configuredThreads !== null) return;
  ort.env.wasm.wasmPaths = { wasm: new URL(wasmUrl, self.location.href).href, mjs: new URL(mjsUrl, self.location.href).href };
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  configuredThreads = threads;
}

/** An adapter whose sessions run on `backend`. */
export function webAdapter(backend: Backend): OrtAdapter {
  const executionProviders = backend === 'webgpu' ? ['webgpu'] : ['wasm'];
  function tensor(type: 'float32', data: Float32Array, dims: readonly number[]): OrtTensor;
  function tensor(type: 'int64', data: BigInt64Array, dims: readonly number[]): OrtTensor;
  function tensor(type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]): OrtTensor {
    return type === 'float32' ? new ort.Tensor('float32', data as Float32Array, dims) : new ort.Tensor('int64', data as BigInt64Array, dims);
  }
  return {
    name: `onnxruntime-web (${backend}, ${ort.env.wasm.numThreads ?? 1} threads)`,
    tensor,
    async createSession(model: Uint8Array): Promise<OrtSession> {
      return ort.InferenceSession.create(model, { executionProviders, graphOptimizationLevel: 'all' });
    },
  };
}

export { ort };
