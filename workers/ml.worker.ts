/**
 * The ML worker: chooses a backend, loads the encoder pair, analyses clips. Exposed with comlink; the page
 * imports only the type `MlApi`. Results cross the boundary as `Result` values so error codes survive.
 */
import * as Comlink from 'comlink';
import { AppError, toResult, type Result } from '../src/core/errors';
import type { FeatureMatrix } from '../src/encoders/types';
import { analyseClip, type Analysis } from '../src/pipeline/analyse';
import { loadEncoders, type EncoderPair } from '../src/pipeline/load-encoders';
import { chooseBackend, wasmThreads } from '../src/runtime/backend';
import { CacheApiStore, MemoryStore, type ByteStore } from '../src/runtime/cache';
import { parseManifest } from '../src/runtime/manifest-parse';
import { configureOrtWeb, webAdapter } from '../src/runtime/ort-web';
import { runSelfTest } from '../src/runtime/self-test';
import type { AnalysisSummary, BackendInfo, InitOptions, LoadProgress } from '../src/worker-api/protocol';

interface GpuProbe {
  readonly api: boolean;
  readonly adapter: string | null;
  readonly shaderF16: boolean;
}

async function probeGpu(): Promise<GpuProbe> {
  // The DOM typings declare navigator.gpu unconditionally; browsers without WebGPU simply lack the property.
  if (!('gpu' in navigator)) return { api: false, adapter: null, shaderF16: false };
  const gpu = navigator.gpu;
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (adapter === null) return { api: true, adapter: null, shaderF16: false };
  const { vendor, architecture, description } = adapter.info;
  const name = [vendor, architecture, description].filter((s) => s.length > 0).join(' ') || 'unnamed adapter';
  return { api: true, adapter: name, shaderF16: adapter.features.has('shader-f16') };
}

function openStore(): ByteStore {
  // Private windows and some embedded browsers have no Cache API: models then live for this session only.
  return typeof caches === 'undefined' ? new MemoryStore() : new CacheApiStore();
}

let encoders: EncoderPair | null = null;
let crashDuringNextAnalysis = false;
let lastAnalysis: Analysis | null = null;

function crashNow(): void {
  setTimeout(() => {
    throw new Error('deliberate worker crash (debugCrash)');
  }, 0);
}

const api = {
  /** Chooses the backend and loads the pair named in `options`, reporting progress through `onProgress`. */
  async init(options: InitOptions, onProgress: (p: LoadProgress) => void): Promise<Result<BackendInfo>> {
    return toResult(async () => {
      const requested = options.backend ?? 'auto';
      const gpu = await probeGpu();
      const isolated = self.crossOriginIsolated;
      configureOrtWeb(requested === 'wasm' || !isolated ? 1 : wasmThreads(navigator.hardwareConcurrency));
      const info = await chooseBackend(requested, {
        webgpuApi: gpu.api,
        adapter: gpu.adapter,
        webgpuSelfTest: () => runSelfTest(webAdapter('webgpu')),
        crossOriginIsolated: isolated,
        hardwareConcurrency: navigator.hardwareConcurrency,
      });
      const manifestUrl = new URL(options.manifestUrl, self.location.href).href;
      const res = await fetch(manifestUrl).catch((err: unknown) => {
        throw new AppError('download-failed', `Could not fetch the model manifest (${String(err)}).`);
      });
      if (!res.ok) throw new AppError('download-failed', `Could not fetch the model manifest: server answered ${res.status}.`);
      const manifestJson: unknown = await res.json().catch(() => {
        throw new AppError('bad-manifest', `The model manifest at ${manifestUrl} is not JSON.`);
      });
      const manifest = parseManifest(manifestJson);
      if (encoders !== null) {
        await Promise.all([encoders.audio.dispose(), encoders.text.dispose()]);
        encoders = null;
      }
      encoders = await loadEncoders(
        {
          manifest,
          manifestUrl,
          store: openStore(),
          onProgress,
          ort: webAdapter(info.backend),
          backend: info.backend,
          hasShaderF16: gpu.shaderF16,
        },
        options.pair,
      );
      return info;
    });
  },

  /** Analyses one 16 kHz mono clip with the loaded pair. */
  async analyse(pcm16k: Float32Array): Promise<Result<AnalysisSummary>> {
    return toResult(async () => {
      if (encoders === null) throw new AppError('internal', 'The models are not loaded yet.');
      if (crashDuringNextAnalysis) {
        crashNow();
        return new Promise<never>(() => undefined);
      }
      lastAnalysis = await analyseClip(encoders, pcm16k);
      return lastAnalysis.summary;
    });
  },

  /** Copies of the last clip's feature matrices (tests compare backends on them; the emotion head reads them here). */
  lastFeatures(): { audio: FeatureMatrix; text: FeatureMatrix } | null {
    if (lastAnalysis === null) return null;
    const { audioFeatures: a, textFeatures: t } = lastAnalysis;
    return { audio: { ...a, data: a.data.slice() }, text: { ...t, data: t.data.slice() } };
  },

  /**
   * Crashes the worker as a real fault would (an error thrown outside any promise), now or in the middle of the
   * next analysis. Exists for the crash-recovery tests.
   */
  debugCrash(when: 'now' | 'during-next-analysis' = 'now'): void {
    if (when === 'now') crashNow();
    else crashDuringNextAnalysis = true;
  },
};

/** The worker's API as the page sees it (import with `import type`). */
export type MlApi = typeof api;

Comlink.expose(api);
