/**
 * The ML worker: exposes one Recognizer (src/recognizer/recognizer.ts) to the page with comlink. The page imports
 * only the type `MlApi`. Results cross the boundary as `Result` values so error codes survive; everything else lives
 * in the recognizer, which the CLI and the Node tests drive too.
 */
import * as Comlink from 'comlink';
import { toResult, type Result } from '../src/core/errors';
import type { FeatureMatrix } from '../src/encoders/types';
import type { SplitName } from '../src/data/library/library-types';
import { Recognizer } from '../src/recognizer/recognizer';
import { forgetRecordedPins } from '../src/recognizer/pins-reset';
import { TimelineSession } from '../src/recognizer/timeline-session';
import type { TimelineSegment } from '../src/timeline/timeline';
import { webPlatform } from '../src/recognizer/web-platform';
import { TEST_HOOKS } from '../src/worker-api/test-hooks';
import type {
  AnalysisSummary,
  HeadFiles,
  HeadInfo,
  HeadStatus,
  InitOptions,
  ScoredEmotion,
  UtteranceStatsRow,
  VoiceRecordings,
} from '../src/worker-api/protocol';
import type { BackendInfo, LoadProgress } from '../src/runtime/runtime-types';
import type { Evaluation, TrainEvent, TrainOutcome, TrainRequest } from '../src/worker-api/training-protocol';

const platform = webPlatform(self.location.href);
const recognizer = new Recognizer(platform);
const timeline = new TimelineSession(platform, (pcm) => recognizer.analyse(pcm));
let crashDuringNextAnalysis = false;

function crashNow(): void {
  setTimeout(() => {
    throw new Error('deliberate worker crash (debugCrash)');
  }, 0);
}

const ok = <T>(value: T): Result<T> => ({ ok: true, value });

/** The answer of a test hook in a build without them. */
const NO_HOOKS: Result<never> = { ok: false, error: { code: 'internal', message: 'This build has no test hooks.' } };

const api = {
  /** Chooses the backend and loads the pair named in `options`, reporting progress through `onProgress`. */
  init(options: InitOptions, onProgress: (p: LoadProgress) => void): Promise<Result<BackendInfo>> {
    return toResult(() => recognizer.load(options, onProgress));
  },

  /**
   * Forgets the sizes and hashes recorded at the first download of each hub file, after the person chose to accept
   * files that changed upstream; the next `init` downloads and records them anew.
   */
  forgetPins(manifestUrl: string, hubUrl: string | null): Promise<Result<number>> {
    return toResult(() => forgetRecordedPins(platform, manifestUrl, hubUrl));
  },

  /** Analyses one 16 kHz mono clip with the loaded pair and scores it. */
  analyse(pcm16k: Float32Array): Promise<Result<AnalysisSummary>> {
    if (TEST_HOOKS && crashDuringNextAnalysis) {
      crashNow();
      return new Promise<never>(() => undefined);
    }
    return toResult(() => recognizer.analyse(pcm16k));
  },

  /** Starts an emotion timeline (a long file or recording); the voice-activity model loads on first use. */
  timelineStart(): Promise<Result<null>> {
    return toResult(async () => {
      await timeline.start();
      return null;
    });
  },

  /** The timeline's next 16 kHz samples; the segments they closed, each analysed like a clip. */
  timelinePush(pcm16k: Float32Array): Promise<Result<TimelineSegment[]>> {
    return toResult(() => timeline.push(pcm16k));
  },

  /** Ends the timeline's audio: the last segments and the seconds heard. */
  timelineFinish(): Promise<Result<{ segments: TimelineSegment[]; duration: number }>> {
    return toResult(() => timeline.finish());
  },

  /** Drops the running timeline (the person cancelled). */
  timelineCancel(): Result<null> {
    timeline.cancel();
    return ok(null);
  },

  /**
   * Makes the head in `files` the active one; refused with 'bad-model' for damaged or mismatched heads (see
   * Recognizer).
   */
  loadHead(files: HeadFiles): Promise<Result<HeadInfo>> {
    return toResult(() => recognizer.loadHead(files));
  },

  /** Removes the active head; the embedded head scores from then on where the pair has one. */
  unloadHead(): Promise<Result<null>> {
    return toResult(async () => {
      await recognizer.unloadHead();
      return null;
    });
  },

  /** Scores the last analysed clip again; null when there is none or no head is active. */
  classifyLast(): Promise<Result<ScoredEmotion | null>> {
    return toResult(() => recognizer.classifyLast());
  },

  /** The active head, the embedded head that scores while there is none, and the notices of the last init. */
  headStatus(): Promise<Result<HeadStatus>> {
    return toResult(() => recognizer.headStatus());
  },

  /**
   * Sets (or, with null, forgets) the person's recordings that scores are adapted to; returns the clips in the profile.
   */
  setVoice(recordings: VoiceRecordings | null): Result<number> {
    return ok(recognizer.setVoice(recordings));
  },

  /** The last clip's raw utterance statistics, or null when none are computed. */
  lastUtteranceStats(): Promise<Result<UtteranceStatsRow | null>> {
    return toResult(() => recognizer.lastUtteranceStats());
  },

  /** Copies of the last clip's feature matrices (tests compare backends on them). */
  lastFeatures(): Result<{ audio: FeatureMatrix; text: FeatureMatrix } | null> {
    return TEST_HOOKS ? ok(recognizer.lastFeatures()) : NO_HOOKS;
  },

  /**
   * Fine-tunes a head on the library's clips, reporting through `onEvent`; refused with 'training' during another run.
   */
  train(request: TrainRequest, onEvent: (e: TrainEvent) => unknown): Promise<Result<TrainOutcome>> {
    return toResult(() => recognizer.train(request, onEvent));
  },

  /** Pauses the run before its next step (no-op without a run). */
  pauseTraining(): Result<null> {
    recognizer.pauseTraining();
    return ok(null);
  },

  resumeTraining(): Result<null> {
    recognizer.resumeTraining();
    return ok(null);
  },

  /** Cancels the run at its next step; its `train` call then resolves to a 'cancelled' outcome. */
  cancelTraining(): Result<null> {
    recognizer.cancelTraining();
    return ok(null);
  },

  /** Evaluates a head of the library on one split with the loaded pair; the active head is untouched. */
  evaluateHead(headId: string, split: SplitName): Promise<Result<Evaluation>> {
    return toResult(() => recognizer.evaluateHead(headId, split));
  },

  /**
   * Crashes the worker as a real fault would (an error thrown outside any promise), now or in the middle of the
   * next analysis. Exists for the crash-recovery tests.
   */
  debugCrash(when: 'now' | 'during-next-analysis' = 'now'): Result<null> {
    if (!TEST_HOOKS) return NO_HOOKS;
    if (when === 'now') crashNow();
    else crashDuringNextAnalysis = true;
    return ok(null);
  },
};

/**
 * The worker's API as the page sees it (import with `import type`). Every method returns a `Result` (or a promise
 * of one), so the page's client is derived from this type alone (src/worker-api/client-types.ts).
 */
export type MlApi = typeof api;

Comlink.expose(api);
