// Browser entry: registers the tfjs backends and jax-js, and exposes window.bench for run.mjs.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths, setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as jax from '@jax-js/jax';
import { runCase } from './suite.js';

setWasmPaths(new URL('./wasm/', location.href).href);
if (self.crossOriginIsolated) setThreadsCount(navigator.hardwareConcurrency);

async function info() {
  const out = {
    userAgent: navigator.userAgent,
    crossOriginIsolated: self.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
    sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
  };
  try {
    const adapter = navigator.gpu ? await navigator.gpu.requestAdapter() : null;
    out.adapter = adapter
      ? {
          ...Object.fromEntries(['vendor', 'architecture', 'device', 'description'].map((k) => [k, adapter.info[k]])),
          isFallbackAdapter: adapter.info.isFallbackAdapter ?? adapter.isFallbackAdapter,
        }
      : null;
  } catch (e) {
    out.adapterError = String(e);
  }
  try {
    out.jaxDevicesInit = await jax.init();
  } catch (e) {
    out.jaxInitError = String(e.stack || e);
  }
  out.jaxDefaultDeviceAfterInit = jax.defaultDevice();
  for (const b of ['webgpu', 'wasm']) {
    try {
      const ok = await tf.setBackend(b);
      out[`tf_${b}`] = ok ? tf.getBackend() : `setBackend returned false`;
    } catch (e) {
      out[`tf_${b}`] = `error: ${e}`;
    }
  }
  out.tfWasmThreads = getThreadsCount();
  out.tfWasmSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  out.tfWasmMultithreadSupport = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  try {
    await tf.setBackend('webgpu');
    const ai = tf.backend().adapterInfo;
    out.tfWebgpuAdapterInfo = ai ? { vendor: ai.vendor, architecture: ai.architecture } : null;
  } catch (e) {
    out.tfWebgpuAdapterInfoError = String(e);
  }
  try {
    const dev = jax.getWebGPUDevice();
    out.jaxWebgpuDevice = dev
      ? {
          label: dev.label,
          adapterInfo: dev.adapterInfo
            ? {
                vendor: dev.adapterInfo.vendor,
                architecture: dev.adapterInfo.architecture,
                description: dev.adapterInfo.description,
              }
            : null,
        }
      : null;
  } catch (e) {
    out.jaxWebgpuDeviceError = String(e);
  }
  return out;
}

window.bench = {
  info,
  run: (c, tfBackend, jaxDevice, opts) => runCase(c, tfBackend, jaxDevice, { ...opts, log: (s) => console.log(s) }),
};
window.benchReady = true;
