/**
 * The recognizer's emotion-head runtime, started lazily: TensorFlow.js and the head code are imported the first time a
 * head is needed (the pair's own or the embedded one), so a manifest without heads never pays for them. The engine is
 * started once (gradient self-test
 * included) and kept; its backend order follows the encoders' backend, so `?backend=wasm` keeps the head off the GPU
 * too. A failed start is not kept, so a later head load tries again.
 */
import { AppError } from '../core/errors';
import type { HeadEngine, HeadInfo } from '../worker-api/protocol';
import type { Backend } from '../runtime/runtime-types';
import type { OrtAdapter } from '../runtime/ort-types';
import type { HeadSlot } from './emotion-head';

/**
 * The started runtime: the loaded pair's head slot, the embedded pair's head (which scores clips while the loaded
 * pair has no head; see embedded-scorer.ts), and the engine both run on.
 */
export interface HeadRuntime {
  readonly slot: HeadSlot;
  readonly embedded: HeadSlot;
  readonly engine: HeadInfo['engine'];
}

/** Engine backends to try for encoders on `backend`: the GPU only when the encoders use it. */
export function engineOrder(backend: Backend): HeadEngine[] {
  return backend === 'webgpu' ? ['webgpu', 'wasm', 'cpu'] : ['wasm', 'cpu'];
}

/** Holds the one head runtime of a recognizer. */
export class HeadRuntimeHost {
  private runtime: Promise<HeadRuntime> | null = null;
  /**
   * The encoders' onnxruntime, on which heads loaded from now on are scored (head-onnx-session.ts), or null for
   * tfjs only. The recognizer offers it on the CPU path only: there it runs the head several times faster than
   * tfjs-WASM on one thread (docs/decisions.md); on WebGPU the head stays on tfjs-WebGPU, which was not measured
   * against it.
   */
  onnx: OrtAdapter | null = null;

  /**
   * `backend` is read when the runtime starts: the encoders' backend at that moment. `startEngine` is the host's
   * TensorFlow.js entry (engine-web.ts or engine-node.ts), imported by it on first use.
   */
  constructor(
    private readonly backend: () => Backend,
    private readonly startEngine: (order: readonly HeadEngine[]) => Promise<HeadRuntime['engine']>,
  ) {}

  /** The runtime, started now if it never was (or its last start failed). */
  start(): Promise<HeadRuntime> {
    if (this.runtime !== null) return this.runtime;
    const starting = (async () => {
      const { HeadSlot: Slot } = await import('./emotion-head');
      const engine = await this.startEngine(engineOrder(this.backend())).catch((err: unknown) => {
        throw new AppError(
          'backend-unavailable',
          `The emotion head cannot run here: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
      const onnx = (): OrtAdapter | null => this.onnx;
      return { slot: new Slot(onnx), embedded: new Slot(onnx), engine };
    })();
    this.runtime = starting;
    starting.catch(() => {
      if (this.runtime === starting) this.runtime = null;
    });
    return starting;
  }

  /** The runtime if it was ever started successfully (never starts it). */
  async current(): Promise<HeadRuntime | null> {
    return this.runtime === null ? null : this.runtime.catch(() => null);
  }
}
