/**
 * The backend choice as the ML worker makes it at each init: what the browser offers (WebGPU adapter, cross-origin
 * isolation, cores) fed to `chooseBackend`, with onnxruntime-web's thread count set first.
 */
import type { Backend, BackendInfo } from './runtime-types';
import { chooseBackend, wasmThreads } from './backend';
import { probeGpu } from './gpu-probe';
import { configureOrtWeb, webAdapter } from './ort-web';
import { runSelfTest } from './self-test';

/** Chooses the backend for `requested` in this worker; `shaderF16` says whether fp16 graphs can run on its GPU. */
export async function chooseWorkerBackend(
  requested: Backend | 'auto',
): Promise<{ info: BackendInfo; shaderF16: boolean }> {
  const gpu = await probeGpu();
  const isolated = self.crossOriginIsolated;
  configureOrtWeb(requested === 'wasm' || !isolated ? 1 : wasmThreads(navigator.hardwareConcurrency));
  const info = await chooseBackend(requested, {
    webgpuApi: gpu.api,
    adapter: gpu.adapter,
    softwareAdapter: gpu.software,
    webgpuSelfTest: async () => runSelfTest(await webAdapter('webgpu')),
    crossOriginIsolated: isolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
  });
  return { info, shaderF16: gpu.shaderF16 };
}
