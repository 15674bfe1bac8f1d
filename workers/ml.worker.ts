/**
 * The ML worker: chooses a backend, loads the encoder pair and the pair's built-in emotion head, analyses clips and
 * scores them with the active head. Exposed with comlink; the page imports only the type `MlApi`. Results cross the
 * boundary as `Result` values so error codes survive.
 */
import * as Comlink from 'comlink';
import { AppError, toErrorInfo, toResult, type Result } from '../src/core/errors';
import type { FeatureMatrix } from '../src/encoders/types';
import { analyseClip, type Analysis } from '../src/pipeline/analyse';
import { fetchBuiltinHead } from '../src/pipeline/builtin-head';
import type { HeadOrigin } from '../src/pipeline/emotion-head';
import { HeadRuntimeHost } from '../src/pipeline/head-runtime';
import { headLayerFor, measureWidths, type HeadTarget } from '../src/pipeline/head-target';
import { LoadedPair } from '../src/pipeline/loaded-pair';
import { TrainingJobs, type JobContext } from '../src/pipeline/training-jobs';
import { IdbClipLibrary } from '../src/data/library/idb-library';
import type { SplitName } from '../src/data/library/types';
import { chooseBackend, wasmThreads } from '../src/runtime/backend';
import { BackgroundWriteStore } from '../src/runtime/cache';
import { openStore, probeGpu } from '../src/runtime/gpu-probe';
import { headsForPair, type Manifest } from '../src/runtime/manifest';
import { parseManifest } from '../src/runtime/manifest-parse';
import type { LoaderContext } from '../src/runtime/model-loader';
import { configureOrtWeb, webAdapter } from '../src/runtime/ort-web';
import { runSelfTest } from '../src/runtime/self-test';
import type {
  AnalysisSummary,
  Backend,
  BackendInfo,
  EmotionScores,
  HeadFiles,
  HeadInfo,
  HeadNotice,
  HeadStatus,
  InitOptions,
  LoadProgress,
} from '../src/worker-api/protocol';
import type { Evaluation, TrainEvent, TrainOutcome, TrainRequest } from '../src/worker-api/training-protocol';

/** The loaded model pair (encoders, what they give a head, the audio graph); null while none is loaded. */
let loaded: LoadedPair | null = null;
/** The loaded encoders' feature widths, measured the first time a head needs them (reset by init and by a new cut). */
let widths: Promise<{ audioDim: number; textDim: number }> | null = null;
/** Training runs and evaluations on the clip library (the same IndexedDB database the page opens). */
const jobs = new TrainingJobs(() => IdbClipLibrary.open());
let crashDuringNextAnalysis = false;
let lastAnalysis: Analysis | null = null;
/** Notices of the last init about the emotion head (built-in head missing, head of another pair dropped). */
let headNotices: HeadNotice[] = [];

/**
 * TensorFlow.js and the head code, started on first use only (a pair without a head never pays for them); its
 * backend order follows the encoders' choice (see `encoderBackend`).
 */
const heads = new HeadRuntimeHost(() => encoderBackend);
/**
 * The backend the encoders run on after the last init (not merely the one asked for): where auto passed over a
 * software WebGPU adapter for WASM, the head follows, as it too would run many times slower there.
 */
let encoderBackend: Backend = 'wasm';

/** What the loaded pair gives a head: ids from the manifest, widths from the last clip or one probe pass. */
async function currentTarget(): Promise<HeadTarget> {
  const pair = loaded;
  if (pair === null) throw new AppError('internal', 'The models are not loaded yet; load a head once they are ready.');
  const identity = pair.identity;
  if (lastAnalysis !== null) return { ...identity, audioDim: lastAnalysis.audioFeatures.dim, textDim: lastAnalysis.textFeatures.dim };
  const measuring = (widths ??= measureWidths(pair.encoders));
  measuring.catch(() => {
    if (widths === measuring) widths = null;
  });
  return { ...identity, ...(await measuring) };
}

/** Moves the audio graph's cut to `layer` (see LoadedPair.cutAt); never under a running training job. */
async function cutAudioAt(layer: 'head-input' | number | null): Promise<void> {
  if (layer === null || loaded === null || loaded.identity.hiddenStateLayer === layer) return;
  if (jobs.running) throw new AppError('training', 'A training run is using the models; wait for it to end, or cancel it, first.');
  if (await loaded.cutAt(layer)) {
    // The last clip's features were cut elsewhere: no head may score them now.
    widths = null;
    lastAnalysis = null;
  }
}

/** Loads `files` as the active head, checked against the loaded pair; the previous head stays on failure. */
async function activateHead(files: HeadFiles, origin: HeadOrigin): Promise<HeadInfo> {
  const before = loaded?.identity.hiddenStateLayer ?? null;
  await cutAudioAt(loaded === null ? null : headLayerFor(files.configJson, loaded.identity));
  try {
    const target = await currentTarget();
    const runtime = await heads.start();
    return runtime.slot.load(files, target, origin, runtime.engine);
  } catch (err) {
    // The previous head stays active, so the graph goes back to where it reads.
    await cutAudioAt(before).catch(() => undefined);
    throw err;
  }
}

/**
 * After the encoders of `pair` are loaded: drops an active head made for other features (with a notice), and loads
 * the pair's first built-in head when no head is active. A built-in head that fails is a notice, never a failed init.
 */
async function settleHead(manifest: Manifest, ctx: LoaderContext, pair: string): Promise<void> {
  const runtime = await heads.current();
  const active = runtime?.slot.info ?? null;
  if (runtime !== null && active !== null) {
    // A head that fits the new pair stays (re-initialising the same pair loses nothing); if the new encoders cannot
    // even be measured, the head cannot be trusted on them either.
    const fits = await currentTarget().then((t) => runtime.slot.mismatch(t) === null, () => false);
    if (fits) return;
    runtime.slot.unload();
    headNotices.push({
      kind: 'dropped',
      name: active.name,
      headPair: active.pair,
      pair,
      message: `The emotion head "${active.name}" was removed: it was trained for pair "${active.pair}", and the page now uses "${pair}".`,
    });
  }
  const entry = headsForPair(manifest, pair)[0];
  if (entry === undefined) return;
  try {
    const files = await fetchBuiltinHead(ctx, entry);
    await activateHead(files, { kind: 'builtin', id: entry.id, description: entry.description });
    ctx.onProgress({ status: 'ready', model: entry.id, dtype: 'none' });
  } catch (err) {
    headNotices.push({ kind: 'builtin-failed', headId: entry.id, error: toErrorInfo(err) });
  }
}

/** The active head's scores for features, timed; null scores when no head is active. */
async function scoreWithHead(features: { audio: FeatureMatrix; text: FeatureMatrix }): Promise<{ emotion: EmotionScores | null; headMs: number | null }> {
  const runtime = await heads.current();
  if (runtime === null || runtime.slot.info === null) return { emotion: null, headMs: null };
  const t0 = performance.now();
  const emotion = await runtime.slot.score(features);
  return { emotion, headMs: performance.now() - t0 };
}

/** What a training or evaluation job needs of the loaded pipeline. */
function jobContext(): JobContext {
  const pair = loaded;
  if (pair === null) throw new AppError('training', 'The models are not loaded yet; train once they are ready.');
  return { encoders: pair.encoders, identity: pair.identity, target: currentTarget, audioGraph: () => pair.audioGraph(), startEngine: async () => (await heads.start()).engine.backend };
}

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
        softwareAdapter: gpu.software,
        webgpuSelfTest: async () => runSelfTest(await webAdapter('webgpu')),
        crossOriginIsolated: isolated,
        hardwareConcurrency: navigator.hardwareConcurrency,
      });
      encoderBackend = info.backend;
      const manifestUrl = new URL(options.manifestUrl, self.location.href).href;
      const res = await fetch(manifestUrl).catch((err: unknown) => {
        throw new AppError('download-failed', `Could not fetch the model manifest (${String(err)}).`);
      });
      if (!res.ok) throw new AppError('download-failed', `Could not fetch the model manifest: server answered ${res.status}.`);
      const manifestJson: unknown = await res.json().catch(() => {
        throw new AppError('bad-manifest', `The model manifest at ${manifestUrl} is not JSON.`);
      });
      const manifest = parseManifest(manifestJson);
      // A run reads the encoders being replaced: it ends (cancelled) first.
      await jobs.stop();
      if (loaded !== null) {
        await loaded.dispose();
        loaded = null;
      }
      // The last clip's features belong to the old encoders; a head must never score them after a switch.
      widths = null;
      lastAnalysis = null;
      headNotices = [];
      // Cache writes overlap the next download or session; the pair counts as loaded once they have landed, so a
      // reload right after init finds every file cached.
      const store = new BackgroundWriteStore(openStore());
      const ctx = { manifest, manifestUrl, store, onProgress };
      loaded = await LoadedPair.load({ ...ctx, ort: await webAdapter(info.backend), backend: info.backend, hasShaderF16: gpu.shaderF16 }, options.pair);
      await settleHead(manifest, ctx, options.pair);
      await store.flush();
      return info;
    });
  },

  /** Analyses one 16 kHz mono clip with the loaded pair. */
  async analyse(pcm16k: Float32Array): Promise<Result<AnalysisSummary>> {
    return toResult(async () => {
      if (loaded === null) throw new AppError('internal', 'The models are not loaded yet.');
      if (crashDuringNextAnalysis) {
        crashNow();
        return new Promise<never>(() => undefined);
      }
      const analysis = await analyseClip(loaded.encoders, pcm16k);
      // The head was checked against these encoders when it was loaded, so scoring fails only on a real fault.
      const { emotion, headMs } = await scoreWithHead({ audio: analysis.audioFeatures, text: analysis.textFeatures });
      lastAnalysis = { ...analysis, summary: { ...analysis.summary, emotion, timings: { ...analysis.summary.timings, headMs } } };
      return lastAnalysis.summary;
    });
  },

  /**
   * Makes the head in `files` the active one (replacing and disposing the previous head) and returns what the page
   * shows about it. Refused with 'bad-model' when the files are damaged or the head was trained on other encoders
   * or feature widths; the previous head then stays active.
   */
  async loadHead(files: HeadFiles): Promise<Result<HeadInfo>> {
    return toResult(() => activateHead(files, { kind: 'imported' }));
  },

  /** Removes the active head; later analyses have no emotion scores until another head is loaded. */
  async unloadHead(): Promise<Result<null>> {
    return toResult(async () => {
      const runtime = await heads.current();
      runtime?.slot.unload();
      if (lastAnalysis !== null) lastAnalysis = { ...lastAnalysis, summary: { ...lastAnalysis.summary, emotion: null } };
      return null;
    });
  },

  /**
   * Scores the last analysed clip with the active head (after a head was loaded or replaced), so the page shows
   * scores without analysing the clip again. Null when no clip was analysed since the pair was loaded, or no head
   * is active.
   */
  async classifyLast(): Promise<Result<EmotionScores | null>> {
    return toResult(async () => {
      const last = lastAnalysis;
      if (last === null) return null;
      const { emotion, headMs } = await scoreWithHead({ audio: last.audioFeatures, text: last.textFeatures });
      if (lastAnalysis === last) lastAnalysis = { ...last, summary: { ...last.summary, emotion, timings: { ...last.summary.timings, headMs } } };
      return emotion;
    });
  },

  /** The active head and the notices of the last init (a built-in head that failed, a head dropped for the pair). */
  async headStatus(): Promise<HeadStatus> {
    const runtime = await heads.current();
    return { head: runtime?.slot.info ?? null, notices: headNotices };
  },

  /** Copies of the last clip's feature matrices (tests compare backends on them; the emotion head reads them here). */
  lastFeatures(): { audio: FeatureMatrix; text: FeatureMatrix } | null {
    if (lastAnalysis === null) return null;
    const { audioFeatures: a, textFeatures: t } = lastAnalysis;
    return { audio: { ...a, data: a.data.slice() }, text: { ...t, data: t.data.slice() } };
  },

  /**
   * Fine-tunes a head on the library's clips with the loaded pair and stores it in the library (`trainOnLibrary`),
   * reporting through `onEvent`. Refused with 'training' while another run is going.
   */
  async train(request: TrainRequest, onEvent: (e: TrainEvent) => unknown): Promise<Result<TrainOutcome>> {
    return toResult(async () => {
      const pair = loaded;
      const layer = pair === null ? null : request.resumeRunId === undefined ? pair.trainingLayer(request.settings.encoderLayers) : await jobs.layerOf('run', request.resumeRunId, pair.identity);
      await cutAudioAt(layer);
      return jobs.train(jobContext(), request, onEvent);
    });
  },

  /** Pauses the run before its next step (no-op without a run). */
  pauseTraining(): Result<null> {
    jobs.pause();
    return { ok: true, value: null };
  },

  resumeTraining(): Result<null> {
    jobs.resume();
    return { ok: true, value: null };
  },

  /** Cancels the run at its next step; its `train` call then resolves to a 'cancelled' outcome. */
  cancelTraining(): Result<null> {
    jobs.cancel();
    return { ok: true, value: null };
  },

  /** Evaluates a head of the library on one split with the loaded pair; the active head is untouched. */
  async evaluateHead(headId: string, split: SplitName): Promise<Result<Evaluation>> {
    return toResult(async () => {
      // Evaluated where the head reads; the active head's cut comes back afterwards.
      const before = loaded?.identity.hiddenStateLayer ?? null;
      await cutAudioAt(loaded === null ? null : await jobs.layerOf('head', headId, loaded.identity));
      try {
        return await jobs.evaluate(jobContext(), headId, split);
      } finally {
        await cutAudioAt(before);
      }
    });
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
