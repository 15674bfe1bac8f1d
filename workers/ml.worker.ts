/**
 * The ML worker: chooses a backend, loads the encoder pair and the pair's built-in emotion head (and the embedded
 * pair's head, which scores clips while the pair has none: clip-scoring.ts), analyses clips and scores them. Exposed
 * with comlink; the page imports only the type `MlApi`. Results cross the boundary as `Result` values so error codes
 * survive.
 */
import * as Comlink from 'comlink';
import { AppError, toResult, type Result } from '../src/core/errors';
import type { FeatureMatrix } from '../src/encoders/types';
import { analyseClip } from '../src/pipeline/analyse';
import { fetchBuiltinHead } from '../src/pipeline/builtin-head';
import { ClipScoring, type WorkerClip } from '../src/pipeline/clip-scoring';
import type { HeadOrigin } from '../src/pipeline/emotion-head';
import { HeadRuntimeHost } from '../src/pipeline/head-runtime';
import { headLayerFor, measureWidths, type HeadTarget } from '../src/pipeline/head-target';
import { LoadedPair } from '../src/pipeline/loaded-pair';
import { settleHead } from '../src/pipeline/settle-head';
import { TrainingJobs, type JobContext } from '../src/pipeline/training-jobs';
import { IdbClipLibrary } from '../src/data/library/idb-library';
import type { SplitName } from '../src/data/library/types';
import { BackgroundWriteStore } from '../src/runtime/cache';
import { openStore } from '../src/runtime/gpu-probe';
import { fetchManifest } from '../src/runtime/manifest-fetch';
import type { LoaderContext } from '../src/runtime/model-loader';
import { webAdapter } from '../src/runtime/ort-web';
import { chooseWorkerBackend } from '../src/runtime/worker-backend';
import type {
  AnalysisSummary,
  Backend,
  BackendInfo,
  HeadFiles,
  HeadInfo,
  HeadNotice,
  HeadStatus,
  InitOptions,
  LoadProgress,
  ScoredEmotion,
  UtteranceStatsRow,
  VoiceRecordings,
} from '../src/worker-api/protocol';
import type { Evaluation, TrainEvent, TrainOutcome, TrainRequest } from '../src/worker-api/training-protocol';

/** The loaded model pair (encoders, what they give a head, the audio graph); null while none is loaded. */
let loaded: LoadedPair | null = null;
/** The loaded encoders' feature widths, measured the first time a head needs them (reset by init and by a new cut). */
let widths: Promise<{ audioDim: number; textDim: number }> | null = null;
/** Training runs and evaluations on the clip library (the same IndexedDB database the page opens). */
const jobs = new TrainingJobs(() => IdbClipLibrary.open());
let crashDuringNextAnalysis = false;
/** The last analysed clip (its features, summary and audio); null before the first and after the encoders change. */
let lastClip: WorkerClip | null = null;
/** The manifest and model cache of the last init (built-in heads a training run starts from are fetched with them). */
let loadContext: LoaderContext | null = null;
/** Notices of the last init about the emotion head (built-in head missing, head of another pair dropped). */
let headNotices: HeadNotice[] = [];

/**
 * TensorFlow.js and the head code, started when the first head loads (the pair's or the embedded one; a manifest
 * with neither never pays for them); its backend order follows the encoders' choice (see `encoderBackend`).
 */
const heads = new HeadRuntimeHost(() => encoderBackend);
/** Which head scores a clip (the pair's, else the embedded one) and the speaker profile scores are adapted with. */
const scoring = new ClipScoring(heads);
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
  const last = lastClip?.analysis;
  if (last !== undefined) return { ...identity, audioDim: last.audioFeatures.dim, textDim: last.textFeatures.dim };
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
    lastClip = null;
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

/** Scores `clip` (the pair's head, else the embedded one) and keeps the result as the last clip's summary. */
async function scoreClip(clip: WorkerClip): Promise<{ scored: ScoredEmotion | null; summary: AnalysisSummary }> {
  const { emotion, scorer, headMs } = await scoring.score(clip);
  const summary: AnalysisSummary = { ...clip.analysis.summary, emotion, scorer, timings: { ...clip.analysis.summary.timings, headMs } };
  // A clip analysed meanwhile is newer, and features dropped meanwhile (a new cut or pair) stay dropped.
  if (lastClip?.pcm === clip.pcm) lastClip = { ...clip, analysis: { ...clip.analysis, summary } };
  return { scored: emotion === null || scorer === null ? null : { emotion, scorer }, summary };
}

/** What a training or evaluation job needs of the loaded pipeline. */
function jobContext(): JobContext {
  const pair = loaded;
  if (pair === null) throw new AppError('training', 'The models are not loaded yet; train once they are ready.');
  return {
    encoders: pair.encoders,
    identity: pair.identity,
    target: currentTarget,
    audioGraph: () => pair.audioGraph(),
    startEngine: async () => (await heads.start()).engine.backend,
    builtinHead: builtinHeadFiles,
  };
}

/** A built-in head's files by manifest id, from the model cache or the server (a run may start from one). */
async function builtinHeadFiles(id: string): Promise<HeadFiles> {
  const ctx = loadContext;
  const entry = ctx?.manifest.heads.find((h) => h.id === id);
  if (ctx === null || entry === undefined) throw new AppError('training', `The app ships no head "${id}".`);
  return fetchBuiltinHead({ ...ctx, onProgress: () => undefined }, entry);
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
      const { info, shaderF16 } = await chooseWorkerBackend(options.backend ?? 'auto');
      encoderBackend = info.backend;
      const manifestUrl = new URL(options.manifestUrl, self.location.href).href;
      const manifest = await fetchManifest(manifestUrl, options.hubUrl);
      // A run reads the encoders being replaced: it ends (cancelled) first.
      await jobs.stop();
      if (loaded !== null) {
        await loaded.dispose();
        loaded = null;
      }
      // The last clip's features belong to the old encoders; a head must never score them after a switch.
      widths = null;
      lastClip = null;
      headNotices = [];
      // Cache writes overlap the next download or session; the pair counts as loaded once they have landed, so a
      // reload right after init finds every file cached.
      const store = new BackgroundWriteStore(openStore());
      const ctx = { manifest, manifestUrl, store, onProgress };
      loadContext = ctx;
      loaded = await LoadedPair.load({ ...ctx, ort: await webAdapter(info.backend), backend: info.backend, hasShaderF16: shaderF16 }, options.pair);
      const settleCtx = { runtime: await heads.current(), target: currentTarget, activate: activateHead };
      headNotices = await settleHead(settleCtx, manifest, ctx, options.pair, options.builtinHead !== false);
      const embeddedNotice = await scoring.prepare(manifest, ctx, options.pair);
      if (embeddedNotice !== null) headNotices.push(embeddedNotice);
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
      const clip: WorkerClip = { analysis: await analyseClip(loaded.encoders, pcm16k), pcm: pcm16k };
      lastClip = clip;
      return (await scoreClip(clip)).summary;
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

  /**
   * Removes the active head; later clips are scored by the embedded head where there is one for this pair (see
   * `headStatus`), else not at all until another head is loaded.
   */
  async unloadHead(): Promise<Result<null>> {
    return toResult(async () => {
      const runtime = await heads.current();
      runtime?.slot.unload();
      const last = lastClip;
      if (last !== null) lastClip = { ...last, analysis: { ...last.analysis, summary: { ...last.analysis.summary, emotion: null, scorer: null } } };
      return null;
    });
  },

  /**
   * Scores the last analysed clip again (after a head was loaded, replaced or removed, or the voice profile changed),
   * so the page shows scores without analysing the clip again. Null when no clip was analysed since the pair was
   * loaded, or no head (not even the embedded one) is active.
   */
  async classifyLast(): Promise<Result<ScoredEmotion | null>> {
    return toResult(async () => (lastClip === null ? null : (await scoreClip(lastClip)).scored));
  },

  /**
   * The active head, the embedded head that scores while there is none, and the notices of the last init (a built-in
   * or embedded head that failed, a head dropped for the pair).
   */
  async headStatus(): Promise<HeadStatus> {
    const runtime = await heads.current();
    return { head: runtime?.slot.info ?? null, embedded: scoring.embeddedInfo, notices: headNotices };
  },

  /**
   * Sets the statistics of the person's recordings: later scores by a head that reads utterance statistics are
   * normalised by their mean and SD (null forgets them). Returns the clips in the profile.
   */
  setVoice(recordings: VoiceRecordings | null): Result<number> {
    return { ok: true, value: scoring.setVoice(recordings) };
  },

  /** The last clip's raw utterance statistics (to add to the person's recordings), or null when none are computed. */
  async lastUtteranceStats(): Promise<Result<UtteranceStatsRow | null>> {
    return toResult(async () => (lastClip === null || loaded === null ? null : scoring.stats(lastClip, loaded.encoders.audio)));
  },

  /** Copies of the last clip's feature matrices (tests compare backends on them; the emotion head reads them here). */
  lastFeatures(): { audio: FeatureMatrix; text: FeatureMatrix } | null {
    if (lastClip === null) return null;
    const { audioFeatures: a, textFeatures: t } = lastClip.analysis;
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
