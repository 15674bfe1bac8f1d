/** Node entry to the training engine (CLI, tests): WASM or the pure-JS CPU backend; no native addon needed. */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { initEngine, type EngineBackend, type EngineInfo } from './engine';

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

/** Starts the engine in Node; `order` defaults to WASM, then CPU. */
export async function initNodeEngine(order: readonly EngineBackend[] = ['wasm', 'cpu']): Promise<EngineInfo> {
  await ensureGradients();
  return initEngine(order);
}
