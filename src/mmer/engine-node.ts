/** Node entry to the training engine (CLI, tests): WASM or the pure-JS CPU backend; no native addon needed. */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { initEngine, type EngineBackend, type EngineInfo } from './engine';
import { prepareWasmThreads, settleWasmThreads } from './wasm-threads-node';

const GRADIENTS = '@tensorflow/tfjs-core/dist/register_all_gradients';

/**
 * Registers tfjs-core's gradients once. The module is ESM with extensionless imports: a bundler-style loader
 * (vitest) imports it, while plain Node loaders (tsx for the CLI) only manage it through require.
 */
export async function ensureGradients(): Promise<void> {
  // Typed as always defined, but undefined until a gradient is registered.
  const registered = (): boolean =>
    (tf.getGradient('Sum') as ReturnType<typeof tf.getGradient> | undefined) !== undefined;
  if (registered()) return;
  try {
    await import(GRADIENTS);
  } catch {
    createRequire(import.meta.url)(GRADIENTS);
  }
  if (!registered()) throw new Error('TensorFlow.js gradients could not be registered');
}

/** Node engine options. */
export interface NodeEngineOptions {
  /**
   * Threads for the wasm backend's matrix products (default 1, tfjs' own choice in Node). More than 1 starts the
   * threaded SIMD build under worker_threads (wasm-threads-node.ts); it only takes effect if the wasm backend has
   * not started yet in this process.
   */
  readonly threads?: number;
}

/** What the Node engine started with: the backend, and the threads its wasm products use (1 elsewhere). */
export interface NodeEngineInfo extends EngineInfo {
  readonly threads: number;
}

/** Starts the engine in Node; `order` defaults to WASM, then CPU. */
export async function initNodeEngine(
  order: readonly EngineBackend[] = ['wasm', 'cpu'],
  options: NodeEngineOptions = {},
): Promise<NodeEngineInfo> {
  await ensureGradients();
  const threads = Math.max(1, Math.floor(options.threads ?? 1));
  const restore = threads > 1 ? prepareWasmThreads(threads) : null;
  let info: EngineInfo;
  try {
    info = await initEngine(order);
  } finally {
    restore?.();
  }
  return { ...info, threads: info.backend === 'wasm' ? settleWasmThreads() : 1 };
}
