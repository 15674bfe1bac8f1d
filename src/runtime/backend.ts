/**
 * Backend choice: WebGPU when a hardware adapter exists and a small self-test passes, else multithreaded WASM when
 * the page is cross-origin isolated, else single-threaded WASM. A software adapter (SwiftShader, llvmpipe) is only
 * used when WebGPU is asked for by name: it computes correctly but runs the encoders about 100 times slower than WASM.
 * Pure logic over a probe, so every branch is tested
 * in Node; the worker supplies the real probe.
 */
import { AppError } from '../core/errors';
import type { Backend, BackendInfo } from './runtime-types';

export interface BackendProbe {
  /** `navigator.gpu` exists. */
  readonly webgpuApi: boolean;
  /** Description of the adapter `requestAdapter()` returned, or null when it returned none. */
  readonly adapter: string | null;
  /** The adapter is a software renderer (`isFallbackAdapter`, or SwiftShader/llvmpipe by name). */
  readonly softwareAdapter: boolean;
  /** Runs the WebGPU self-test; resolves to null on success or to the reason it failed. Only called when needed. */
  readonly webgpuSelfTest: () => Promise<string | null>;
  /** SharedArrayBuffer usable (COOP/COEP served). */
  readonly crossOriginIsolated: boolean;
  readonly hardwareConcurrency: number;
}

/** WASM threads: all cores but one for the page, at most 4 (more gives little for these models and costs memory). */
export function wasmThreads(cores: number): number {
  return Math.max(2, Math.min(4, cores - 1 > 1 ? cores - 1 : cores));
}

/** Whether an adapter is a CPU implementation of WebGPU, from its fallback flag or its name. */
export function isSoftwareAdapter(fallbackFlag: boolean | undefined, name: string): boolean {
  return fallbackFlag === true || /swiftshader|llvmpipe|lavapipe|software/i.test(name);
}

/** Decides the backend. `requested` forces one; a forced backend that cannot run is an error, not a silent switch. */
export async function chooseBackend(requested: Backend | 'auto', probe: BackendProbe): Promise<BackendInfo> {
  const rejected: { backend: Backend; reason: string }[] = [];

  const webgpuProblem = async (): Promise<string | null> => {
    if (!probe.webgpuApi) return 'this browser has no WebGPU API (navigator.gpu)';
    if (probe.adapter === null) return 'no WebGPU adapter is available (GPU blocked or unsupported)';
    if (probe.softwareAdapter && requested === 'auto') {
      return `the WebGPU adapter (${probe.adapter}) is a software renderer, far slower than WASM (ask for ?backend=webgpu to use it anyway)`;
    }
    const failure = await probe.webgpuSelfTest();
    return failure === null ? null : `the WebGPU self-test failed: ${failure}`;
  };
  const mtProblem = (): string | null => {
    if (!probe.crossOriginIsolated)
      return 'the page is not cross-origin isolated (COOP/COEP headers missing), so WASM threads are unavailable';
    if (probe.hardwareConcurrency < 2) return 'this device reports a single CPU core';
    return null;
  };
  const threads = wasmThreads(probe.hardwareConcurrency);

  if (requested === 'webgpu' || requested === 'auto') {
    const problem = await webgpuProblem();
    if (problem === null) {
      return {
        backend: 'webgpu',
        reason:
          requested === 'auto'
            ? `WebGPU adapter found and self-test passed`
            : 'WebGPU requested; adapter found and self-test passed',
        threads: mtProblem() === null ? threads : 1,
        adapter: probe.adapter,
        rejected,
      };
    }
    if (requested === 'webgpu')
      throw new AppError('no-webgpu', `WebGPU was requested but cannot run here: ${problem}.`);
    rejected.push({ backend: 'webgpu', reason: problem });
  }
  if (requested === 'wasm-mt' || requested === 'auto') {
    const problem = mtProblem();
    if (problem === null) {
      return {
        backend: 'wasm-mt',
        reason: `multithreaded WASM with ${threads} threads`,
        threads,
        adapter: null,
        rejected,
      };
    }
    if (requested === 'wasm-mt')
      throw new AppError('backend-unavailable', `Multithreaded WASM was requested but cannot run here: ${problem}.`);
    rejected.push({ backend: 'wasm-mt', reason: problem });
  }
  return {
    backend: 'wasm',
    reason: requested === 'wasm' ? 'single-threaded WASM requested' : 'single-threaded WASM (the only backend left)',
    threads: 1,
    adapter: null,
    rejected,
  };
}
