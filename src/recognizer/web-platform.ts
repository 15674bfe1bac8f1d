/**
 * The recognizer's platform in the ML worker: the backend the browser offers (chooseWorkerBackend), onnxruntime-web,
 * the manifest fetched relative to the page, the Cache API with writes in the background, tfjs-backend-webgpu/wasm
 * and the IndexedDB clip library the page opens too.
 */
import { IdbClipLibrary } from '../data/library/idb-library';
import { BackgroundWriteStore } from '../runtime/cache';
import { openStore } from '../runtime/gpu-probe';
import { fetchManifest } from '../runtime/manifest-fetch';
import { ortWebThreads, webAdapter } from '../runtime/ort-web';
import { chooseWorkerBackend } from '../runtime/worker-backend';
import { AppError } from '../core/errors';
import type { RecognizerPlatform } from './platform';
// The model file inside the package (src/timeline/vad-model.ts), emitted by Vite as an asset of our own origin.
import vadModelUrl from '@ricky0123/vad-web/dist/silero_vad_v5.onnx?url';

/**
 * Model bytes the cache may hold back while they are written: both int8 graphs of a base pair (221 MB) write while
 * the next file loads; an fp32 graph (378-499 MB) is written before the next session opens.
 */
const MAX_PENDING_CACHE_BYTES = 256e6;

/** The worker's platform; `base` resolves a relative manifest URL (the worker's own location). */
export function webPlatform(base: string): RecognizerPlatform {
  return {
    async chooseBackend(requested) {
      const { info, shaderF16 } = await chooseWorkerBackend(requested);
      return { info, shaderF16, ort: await webAdapter(info.backend) };
    },
    async readManifest(location, hubUrl) {
      const manifestUrl = new URL(location, base).href;
      return { manifest: await fetchManifest(manifestUrl, hubUrl), manifestUrl };
    },
    openStore: () => new BackgroundWriteStore(openStore(), MAX_PENDING_CACHE_BYTES),
    // Imported on first use, so a page that never scores or trains never loads TensorFlow.js.
    // The head's tfjs-wasm threads follow the encoders' (chooseWorkerBackend set them): 1 for `?backend=wasm` or
    // where the page is not cross-origin isolated.
    startEngine: async (order) => (await import('../mmer/engine-web')).initWebEngine(order, ortWebThreads()),
    openLibrary: () => IdbClipLibrary.open(),
    async readVadModel() {
      const res = await fetch(vadModelUrl);
      if (!res.ok)
        throw new AppError('download-failed', `The voice-activity model could not be loaded (${res.status}).`);
      return new Uint8Array(await res.arrayBuffer());
    },
    vadAdapter: () => webAdapter('wasm'),
  };
}
