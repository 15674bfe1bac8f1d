/**
 * The speech emotion recognizer: one object that loads an encoder pair and its emotion head, analyses and scores
 * clips, swaps heads, adapts to a voice, and trains and evaluates heads on the clip library. The ML worker exposes it
 * to the page (workers/ml.worker.ts) and the CLI drives it in Node, so both give the same scores for the same pair,
 * head and clip. Methods throw AppError; the worker turns them into `Result` values.
 */
import { AppError } from '../core/errors';
import { analyseClip } from '../inference/analyse';
import { builtinHeadById } from '../inference/builtin-head';
import { ClipScoring, type WorkerClip } from '../inference/clip-scoring';
import type { HeadOrigin } from '../inference/emotion-head';
import { HeadRuntimeHost } from '../inference/head-runtime';
import { headLayerFor } from '../inference/head-target';
import { LoadedPair } from '../inference/loaded-pair';
import { openLoadQueue } from '../inference/load-plan';
import { settleHead } from '../inference/settle-head';
import { downloadReporter, TrainingJobs, type JobContext } from '../training/training-jobs';
import type { SplitName } from '../data/library/library-types';
import type { LoaderContext } from '../runtime/model-loader';
import type {
  AnalysisSummary,
  HeadFiles,
  HeadInfo,
  HeadStatus,
  HeadNotice,
  InitOptions,
  ScoredEmotion,
  UtteranceStatsRow,
  VoiceRecordings,
} from '../worker-api/protocol';
import type { Backend, BackendInfo, LoadProgress } from '../runtime/runtime-types';
import type { Evaluation, TrainEvent, TrainOutcome, TrainRequest } from '../worker-api/training-protocol';
import type { RecognizerPlatform } from './platform';
import { PairState } from './pair-state';

/** Loads a pair, scores clips with its head (or the embedded one), and runs training jobs; see the file comment. */
export class Recognizer extends PairState {
  /** The manifest and model cache of the last load (a training run fetches the built-in head it starts from). */
  private loadContext: LoaderContext | null = null;
  /** Notices of the last load about the emotion head (built-in head missing, head of another pair dropped). */
  private headNotices: HeadNotice[] = [];
  /**
   * The heads of the last load settling (the pair's built-in head, the embedded stand-in): a load returns once its
   * encoders are ready, so a clip can be analysed while the head still downloads; whatever reads or changes the head
   * waits for this first. Never rejects: a head that fails is a notice.
   */
  private settling: Promise<void> = Promise.resolve();
  /**
   * The backend the encoders run on after the last load (not merely the one asked for): where auto passed over a
   * software WebGPU adapter for WASM, the head follows, as it too would run many times slower there.
   */
  private encoderBackend: Backend = 'wasm';
  /** TensorFlow.js and the head code, started when the first head loads; its backends follow the encoders'. */
  private readonly heads: HeadRuntimeHost;
  /** Which head scores a clip (the pair's, else the embedded one) and the speaker profile scores are adapted with. */
  private readonly scoring: ClipScoring;
  /** Training runs and evaluations on the clip library. */
  private readonly jobs: TrainingJobs;

  constructor(private readonly platform: RecognizerPlatform) {
    super();
    this.heads = new HeadRuntimeHost(
      () => this.encoderBackend,
      (order) => platform.startEngine(order),
    );
    this.scoring = new ClipScoring(this.heads);
    this.jobs = new TrainingJobs(
      platform.openLibrary ??
        (() => Promise.reject(new AppError('training', 'There is no clip library here to train on.'))),
    );
  }

  /**
   * Chooses the backend and loads the pair named in `options` with its head, reporting progress through
   * `onProgress`. A running training job ends (cancelled) first, since it reads the encoders being replaced.
   */
  async load(options: InitOptions, onProgress: (p: LoadProgress) => void): Promise<BackendInfo> {
    await this.settling;
    const { info, shaderF16, ort } = await this.platform.chooseBackend(options.backend ?? 'auto');
    this.encoderBackend = info.backend;
    this.heads.onnx = this.platform.headOnOnnx === true && info.backend !== 'webgpu' ? ort : null;
    const { manifest, manifestUrl } = await this.platform.readManifest(options.manifestUrl, options.hubUrl ?? null);
    await this.jobs.stop();
    if (this.loaded !== null) {
      await this.loaded.dispose();
      this.loaded = null;
    }
    // The last clip's features belong to the old encoders; a head must never score them after a switch.
    this.lastClip = null;
    this.headNotices = [];
    const store = this.platform.openStore();
    const ctx: LoaderContext = { manifest, manifestUrl, store, onProgress, fetchImpl: this.platform.fetchImpl };
    this.loadContext = ctx;
    const encoderCtx = { ...ctx, ort, backend: info.backend, hasShaderF16: shaderF16 };
    const builtin = options.builtinHead !== false;
    const headActive = (await this.heads.current())?.slot.info != null;
    const { downloads, headComing } = await openLoadQueue(encoderCtx, options.pair, { builtin, headActive });
    // A head to come starts TensorFlow.js while the files download, not after.
    if (headComing) void this.heads.start().catch(() => undefined);
    try {
      this.loaded = await LoadedPair.load({ ...encoderCtx, downloads }, options.pair);
    } catch (err) {
      downloads.close();
      throw err;
    }
    // Cache writes may overlap the next download or session; they have all landed once the heads have settled, so a
    // reload after that finds every file cached.
    this.settling = this.settleHeads({ ...ctx, downloads }, options.pair, builtin)
      .finally(() => {
        downloads.close();
      })
      .then(() => store.flush?.())
      .catch((err: unknown) => {
        console.warn('Settling the emotion heads failed.', err);
      });
    return info;
  }

  /** After a load: the pair's built-in head (settle-head.ts) and the embedded stand-in, with their notices. */
  private async settleHeads(ctx: LoaderContext, pair: string, builtin: boolean): Promise<void> {
    const settle = {
      runtime: await this.heads.current(),
      target: () => this.currentTarget(),
      activate: (f: HeadFiles, o: HeadOrigin) => this.activateHead(f, o),
    };
    const notices = await settleHead(settle, ctx.manifest, ctx, pair, builtin);
    const embeddedNotice = await this.scoring.prepare(ctx.manifest, ctx, pair);
    this.headNotices = embeddedNotice === null ? notices : [...notices, embeddedNotice];
  }

  /** Analyses one 16 kHz mono clip with the loaded pair and scores it with the active (or embedded) head. */
  async analyse(pcm16k: Float32Array): Promise<AnalysisSummary> {
    for (;;) {
      const pair = this.requirePair('internal');
      const { identity } = pair;
      const analysis = await pair.using((encoders) => analyseClip(encoders, pcm16k));
      // A head still settling may move the audio cut; features of the old cut are then analysed again.
      await this.settling;
      if (this.loaded !== pair || pair.identity !== identity) continue;
      const clip: WorkerClip = { analysis, pcm: pcm16k };
      this.lastClip = clip;
      return (await this.scoreClip(clip)).summary;
    }
  }

  /**
   * Makes the head in `files` the active one (replacing and disposing the previous head). Refused with 'bad-model'
   * when the files are damaged or the head was trained on other encoders or feature widths; the previous head then
   * stays active.
   */
  async loadHead(files: HeadFiles, origin: HeadOrigin = { kind: 'imported' }): Promise<HeadInfo> {
    await this.settling;
    return this.activateHead(files, origin);
  }

  /** Removes the active head; later clips are scored by the embedded head where the pair has one, else not at all. */
  async unloadHead(): Promise<void> {
    await this.settling;
    (await this.heads.current())?.slot.unload();
    const last = this.lastClip;
    if (last !== null)
      this.lastClip = {
        ...last,
        analysis: { ...last.analysis, summary: { ...last.analysis.summary, emotion: null, scorer: null } },
      };
  }

  /**
   * Scores the last analysed clip again (after a head was loaded, replaced or removed, or the voice changed). Null
   * when no clip was analysed since the pair was loaded, or no head (not even the embedded one) is active.
   */
  async classifyLast(): Promise<ScoredEmotion | null> {
    await this.settling;
    return this.lastClip === null ? null : (await this.scoreClip(this.lastClip)).scored;
  }

  /** The active head, the embedded head that scores while there is none, and the notices of the last load. */
  async headStatus(): Promise<HeadStatus> {
    await this.settling;
    const runtime = await this.heads.current();
    return { head: runtime?.slot.info ?? null, embedded: this.scoring.embeddedInfo, notices: this.headNotices };
  }

  /**
   * Sets the statistics of the person's recordings: later scores by a head that reads utterance statistics are
   * normalised by their mean and SD (null forgets them). Returns the clips in the profile.
   */
  setVoice(recordings: VoiceRecordings | null): number {
    return this.scoring.setVoice(recordings);
  }

  /** The last clip's raw utterance statistics (to add to the person's recordings), or null when none are computed. */
  async lastUtteranceStats(): Promise<UtteranceStatsRow | null> {
    return this.lastClip === null || this.loaded === null
      ? null
      : this.scoring.stats(this.lastClip, this.loaded.encoders.audio);
  }

  /**
   * Fine-tunes a head on the library's clips and stores it there. @throws AppError('training') while a run is going.
   */
  async train(request: TrainRequest, onEvent: (e: TrainEvent) => unknown): Promise<TrainOutcome> {
    await this.settling;
    const pair = this.loaded;
    const layer =
      pair === null
        ? null
        : request.resumeRunId === undefined
          ? pair.trainingLayer(request.settings.encoderLayers)
          : await this.jobs.layerOf('run', request.resumeRunId, pair.identity);
    // Moving the cut re-cuts the cached graph; were it gone from the cache, its download is announced like the run's.
    await this.cutAudioAt(layer, downloadReporter(onEvent));
    return this.jobs.train(this.jobContext(), request, onEvent);
  }

  /** Pauses the run before its next step (no-op without a run). */
  pauseTraining(): void {
    this.jobs.pause();
  }

  resumeTraining(): void {
    this.jobs.resume();
  }

  /** Cancels the run at its next step; its `train` call then resolves to a 'cancelled' outcome. */
  cancelTraining(): void {
    this.jobs.cancel();
  }

  /** Evaluates a head of the library on one split with the loaded pair; the active head is untouched. */
  async evaluateHead(headId: string, split: SplitName): Promise<Evaluation> {
    await this.settling;
    // Evaluated where the head reads; the active head's cut comes back afterwards.
    const before = this.loaded?.identity.hiddenStateLayer ?? null;
    await this.cutAudioAt(this.loaded === null ? null : await this.jobs.layerOf('head', headId, this.loaded.identity));
    try {
      return await this.jobs.evaluate(this.jobContext(), headId, split);
    } finally {
      await this.cutAudioAt(before);
    }
  }

  /** Ends a running job and frees the encoders (Node callers; a worker simply ends). */
  async dispose(): Promise<void> {
    await this.settling;
    await this.jobs.stop();
    await this.loaded?.dispose();
    this.loaded = null;
    this.lastClip = null;
  }

  protected get jobRunning(): boolean {
    return this.jobs.running;
  }

  /** Loads `files` as the active head, checked against the loaded pair; the previous head stays on failure. */
  private async activateHead(files: HeadFiles, origin: HeadOrigin): Promise<HeadInfo> {
    const before = this.loaded?.identity.hiddenStateLayer ?? null;
    await this.cutAudioAt(this.loaded === null ? null : headLayerFor(files.configJson, this.loaded.identity));
    try {
      const target = await this.currentTarget();
      const runtime = await this.heads.start();
      const info = runtime.slot.load(files, target, origin, runtime.engine);
      await runtime.slot.warmUp();
      return info;
    } catch (err) {
      // The previous head stays active, so the graph goes back to where it reads.
      await this.cutAudioAt(before).catch(() => undefined);
      throw err;
    }
  }

  /** Scores `clip` (the pair's head, else the embedded one) and keeps the result as the last clip's summary. */
  private async scoreClip(clip: WorkerClip): Promise<{ scored: ScoredEmotion | null; summary: AnalysisSummary }> {
    const { emotion, scorer, headMs } = await this.scoring.score(clip);
    const summary: AnalysisSummary = {
      ...clip.analysis.summary,
      emotion,
      scorer,
      timings: { ...clip.analysis.summary.timings, headMs },
    };
    // A clip analysed meanwhile is newer, and features dropped meanwhile (a new cut or pair) stay dropped.
    if (this.lastClip?.pcm === clip.pcm) this.lastClip = { ...clip, analysis: { ...clip.analysis, summary } };
    return { scored: emotion === null || scorer === null ? null : { emotion, scorer }, summary };
  }

  /** What a training or evaluation job needs of the loaded pipeline. */
  private jobContext(): JobContext {
    const pair = this.requirePair('training', '; train once they are ready');
    return {
      encoders: pair.encoders,
      identity: pair.identity,
      target: () => this.currentTarget(),
      audioGraph: (onProgress) => pair.audioGraph(onProgress),
      startEngine: async () => (await this.heads.start()).engine.backend,
      builtinHead: (id, onProgress) => builtinHeadById(this.loadContext, id, onProgress),
    };
  }
}
