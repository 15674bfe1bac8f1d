/**
 * The training engine's backend: TensorFlow.js on WebGPU when it works, else WASM, else plain JS (cpu).
 * Selection is shared; the browser and Node entry points only differ in which backends they register.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { useFastMatMulGradient } from './matmul-grad';
import { guardWasmHeap, useSharedWasmIdentity } from './wasm-memory';

export type EngineBackend = 'webgpu' | 'wasm' | 'cpu';

export interface EngineInfo {
  readonly backend: EngineBackend;
  /** Backends tried before it, with the reason each was passed over. */
  readonly rejected: readonly { readonly backend: EngineBackend; readonly reason: string }[];
  /** Threads the wasm backend's kernels use, as tfjs reports them after its start (1 on the other backends). */
  readonly threads: number;
}

/**
 * A gradient the engine must get right before it is trusted: d/dx sum(softmax(x W) * y) on a 2x3 input, checked
 * against the CPU backend's answer. A GPU that initialises but computes garbage is rejected here.
 */
async function selfTest(): Promise<string | null> {
  const run = async (): Promise<Float32Array> => {
    const out = tf.tidy(() => {
      const w = tf.tensor2d([0.5, -1, 0.25, 2, 1.5, -0.5], [3, 2]);
      const y = tf.tensor2d([1, 0, 0, 1], [2, 2]);
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.softmax(tf.matMul(x as tf.Tensor2D, w)), y)));
      return g(tf.tensor2d([0.1, 0.2, -0.3, 0.4, -0.5, 0.6], [2, 3]));
    });
    // Asynchronous read: WebGPU cannot read buffers back synchronously (dataSync there yields zeros).
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  };
  const got = await run();
  const current = tf.getBackend();
  await tf.setBackend('cpu');
  const want = await run();
  await tf.setBackend(current);
  const worst = want.reduce((m, v, i) => Math.max(m, Math.abs(v - (got[i] ?? Number.NaN))), 0);
  return worst <= 1e-5 ? null : `gradient differs from the CPU reference by ${String(worst)}`;
}

/**
 * Activates the first backend of `order` that initialises and passes the self-test. Gradients must be registered
 * first (engine-web.ts and engine-node.ts do it): tfjs-core alone registers none.
 */
export async function initEngine(order: readonly EngineBackend[]): Promise<EngineInfo> {
  useFastMatMulGradient();
  useSharedWasmIdentity();
  const rejected: { backend: EngineBackend; reason: string }[] = [];
  for (const backend of order) {
    // Typed as always present, but returns null for a backend whose package was not imported.
    const factory = tf.findBackendFactory(backend) as ReturnType<typeof tf.findBackendFactory> | null;
    if (factory === null) {
      rejected.push({ backend, reason: 'not available in this build' });
      continue;
    }
    let ok = false;
    try {
      ok = await tf.setBackend(backend);
    } catch (err) {
      rejected.push({ backend, reason: err instanceof Error ? err.message : String(err) });
      continue;
    }
    if (!ok) {
      rejected.push({ backend, reason: 'failed to initialise' });
      continue;
    }
    const problem = backend === 'cpu' ? null : await selfTest();
    if (problem === null) {
      guardWasmHeap();
      return { backend, rejected, threads: backend === 'wasm' ? getThreadsCount() : 1 };
    }
    rejected.push({ backend, reason: problem });
  }
  throw new Error(`No training backend could start: ${rejected.map((r) => `${r.backend}: ${r.reason}`).join('; ')}`);
}
