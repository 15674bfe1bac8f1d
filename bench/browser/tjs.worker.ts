/**
 * The transformers.js peer: its `automatic-speech-recognition` pipeline in a worker of its own (as the app runs ours),
 * on the same wav2vec2 graph, from local files only, with the same onnxruntime-web build and WASM files the app uses.
 */
import * as Comlink from 'comlink';
import { env, pipeline } from '@huggingface/transformers';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import mjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';

type Asr = (audio: Float32Array) => Promise<unknown>;
let asr: Asr | null = null;

const api = {
  /**
   * Loads the pipeline; returns the load time in ms. `browserCache` (default off) keeps transformers.js' Cache API
   * copy of every file it fetches, as a deployed site would; only the load case turns it on.
   */
  async init(
    localModelPath: string,
    model: string,
    dtype: string,
    threads: number,
    browserCache = false,
  ): Promise<number> {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = localModelPath;
    // Off by default: the inference case must measure the graph it was given, not a copy from an earlier run.
    env.useBrowserCache = browserCache;
    const onnx = env.backends.onnx as { wasm?: { wasmPaths?: unknown; numThreads?: number } };
    if (onnx.wasm !== undefined) {
      onnx.wasm.wasmPaths = {
        wasm: new URL(wasmUrl, self.location.href).href,
        mjs: new URL(mjsUrl, self.location.href).href,
      };
      // Same thread count as ours (onnxruntime-web's own default on 2 cores would be 1).
      onnx.wasm.numThreads = threads;
    }
    const t0 = performance.now();
    const p = await pipeline('automatic-speech-recognition', model, { device: 'wasm', dtype: dtype as 'fp32' | 'q8' });
    asr = (audio) => p(audio);
    return performance.now() - t0;
  },
  /** One transcription; returns its time in ms and the transcript's length. */
  async run(pcm: Float32Array): Promise<{ ms: number; chars: number }> {
    if (asr === null) throw new Error('init first');
    const t0 = performance.now();
    const out = (await asr(pcm)) as { text?: string };
    return { ms: performance.now() - t0, chars: out.text?.length ?? 0 };
  },
};

/** The worker's API as the page sees it. */
export type TjsApi = typeof api;

Comlink.expose(api);
