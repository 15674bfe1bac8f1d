/** onnxruntime-node adapter for the CLI, benchmarks and Node tests: same pipeline, native CPU kernels. */
import * as ort from 'onnxruntime-node';
import type { OrtAdapter, OrtSession, OrtTensor } from './ort-types';

/** An adapter running on the native CPU execution provider with `threads` intra-op threads. */
export function nodeAdapter(threads = 2): OrtAdapter {
  function tensor(type: 'float32', data: Float32Array, dims: readonly number[]): OrtTensor;
  function tensor(type: 'int64', data: BigInt64Array, dims: readonly number[]): OrtTensor;
  function tensor(type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]): OrtTensor {
    return type === 'float32'
      ? new ort.Tensor('float32', data as Float32Array, dims)
      : new ort.Tensor('int64', data as BigInt64Array, dims);
  }
  return {
    name: `onnxruntime-node (cpu, ${threads} threads)`,
    tensor,
    async createSession(model: Uint8Array): Promise<OrtSession> {
      return ort.InferenceSession.create(model, {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
      });
    },
  };
}
