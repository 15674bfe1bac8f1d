/**
 * The page-side face of the ML worker. `createMlClient` (client.ts) implements it; UI code depends only on this.
 */
import type { Result } from '../core/errors';
import type { FeatureMatrix } from '../encoders/types';
import type { SplitName } from '../data/library/types';
import type { AnalysisSummary, BackendInfo, HeadFiles, HeadInfo, HeadStatus, InitOptions, LoadProgress, ScoredEmotion, UtteranceStatsRow, VoiceRecordings } from './protocol';
import type { Evaluation, TrainEvent, TrainOutcome, TrainRequest } from './training-protocol';

/** Reported when the worker died and a fresh one was started in its place. */
export interface CrashNotice {
  readonly message: string;
  /** How many times the worker has been restarted in this page's life. */
  readonly restarts: number;
  /** The models being loaded again in the new worker (null when `init` had never been called). */
  readonly reinit: Promise<Result<BackendInfo>> | null;
}

/** A handle on the ML worker that survives worker crashes (it restarts the worker and re-runs `init`). */
export interface MlClient {
  /** Chooses a backend, downloads/loads the model pair, reports byte-level progress. */
  init(options: InitOptions, onProgress: (p: LoadProgress) => void): Promise<Result<BackendInfo>>;
  /** Transcribes and encodes one mono 16 kHz clip. The array is copied, so the caller keeps its audio. */
  analyse(pcm16k: Float32Array): Promise<Result<AnalysisSummary>>;
  /**
   * Makes a trained emotion head active (a copy of `files.weights` is sent, the caller keeps its bytes). Refused with
   * 'bad-model' when damaged or made for other encoders; the previous head then stays active.
   */
  loadHead(files: HeadFiles): Promise<Result<HeadInfo>>;
  /** Removes the active emotion head. */
  unloadHead(): Promise<Result<null>>;
  /**
   * Scores the last analysed clip again with the active head (else the embedded one); null without a clip or any
   * head.
   */
  classifyLast(): Promise<Result<ScoredEmotion | null>>;
  /** The active head, the embedded stand-in, and the notices of the last init (e.g. a head that could not be loaded). */
  headStatus(): Promise<Result<HeadStatus>>;
  /**
   * Sets the statistics of the person's recordings (null forgets them): later scores are adapted to that voice by
   * heads that read utterance statistics. Resolves to the clips in the profile.
   */
  setVoice(recordings: VoiceRecordings | null): Promise<Result<number>>;
  /** The last analysed clip's raw utterance statistics, or null when no encoder computes them. */
  lastUtteranceStats(): Promise<Result<UtteranceStatsRow | null>>;
  /** Copies of the feature matrices of the last analysed clip, or null before the first analysis. */
  lastFeatures(): Promise<{ audio: FeatureMatrix; text: FeatureMatrix } | null>;
  /**
   * Fine-tunes a head on the clip library with the loaded pair (or resumes `request.resumeRunId`) and stores it in
   * the library; `onEvent` follows the run. Refused with 'training' while another run is going, or when the library
   * cannot train a head (the message names the labels at fault); 'worker-crashed' if the worker dies meanwhile (the
   * last epoch's checkpoint is in the library).
   */
  train(request: TrainRequest, onEvent: (e: TrainEvent) => void): Promise<Result<TrainOutcome>>;
  /** Pauses the run before its next step (no-op without a run). */
  pauseTraining(): Promise<Result<null>>;
  /** Lets a paused run go on. */
  resumeTraining(): Promise<Result<null>>;
  /** Cancels the run: its `train` call resolves to a 'cancelled' outcome, and no head is stored. */
  cancelTraining(): Promise<Result<null>>;
  /** Evaluates a head of the library on one of its splits with the loaded pair (the active head is untouched). */
  evaluateHead(headId: string, split: SplitName): Promise<Result<Evaluation>>;
  /** Subscribes to crash notices; returns an unsubscribe function. */
  onCrash(listener: (notice: CrashNotice) => void): () => void;
  /** Makes the worker crash on purpose, now or during the next analysis, to exercise the restart path (tests). */
  debugCrash(when?: 'now' | 'during-next-analysis'): Promise<void>;
  /** Terminates the worker. */
  dispose(): void;
}
