/** Node entry to the training engine (CLI, tests): WASM or the pure-JS CPU backend; no native addon needed. */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { initEngine, type EngineBackend, type EngineInfo } from './engine';

/** Starts the engine in Node; `order` defaults to WASM, then CPU. */
export function initNodeEngine(order: readonly EngineBackend[] = ['wasm', 'cpu']): Promise<EngineInfo> {
  return initEngine(order);
}
