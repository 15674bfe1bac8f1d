/**
 * Plain-data types shared by the page and the ML worker. Nothing here imports runtime code, so the page
 * can `import type` it without pulling the models' code into the main bundle.
 */
import type { ErrorInfo } from '../core/errors';
import type { Backend } from '../runtime/runtime-types';

/** Options for starting the worker's pipeline. */
export interface InitOptions {
  /** Model pair from the manifest (`base`, `fixture`, `lite`, ...). */
  readonly pair: string;
  /** URL of `manifest.json`, absolute or relative to the page. */
  readonly manifestUrl: string;
  /** A host that replaces the manifest's `hubUrl` (a mirror; the page build's VITE_MMER_HUB_URL); null keeps it. */
  readonly hubUrl?: string | null;
  /** Force a backend instead of choosing automatically. */
  readonly backend?: Backend | 'auto';
  /**
   * False: do not load the pair's built-in head (a pair without a trained head of its own, as `?head=none` asks), so
   * the embedded pair's head scores its clips. Default true.
   */
  readonly builtinHead?: boolean;
}

/** What the pipeline reports about one clip. Large hidden-state arrays stay in the worker. */
export interface AnalysisSummary {
  /** CTC transcript; null when the encoder pair has no speech recogniser (the lite pair). */
  readonly transcript: string | null;
  readonly durationS: number;
  /** Number of windows the clip was split into (long clips are processed in windows). */
  readonly windows: number;
  readonly audioFeatures: { readonly frames: number; readonly dim: number };
  readonly textFeatures: { readonly tokens: number; readonly dim: number };
  /** Milliseconds per stage; `headMs` is null when no emotion head ran. */
  readonly timings: { readonly audioMs: number; readonly textMs: number; readonly headMs: number | null };
  /** The active head's softmax scores, sorted best first; null when no emotion head is active. */
  readonly emotion: EmotionScores | null;
  /** Which head gave `emotion` (absent or null when nothing scored the clip). */
  readonly scorer?: EmotionScorer | null;
}

/**
 * Which head scored a clip. `pair`: the loaded pair's own head (built in, imported or trained). `embedded`: the
 * loaded pair has no head, so the embedded pair's shipped head scored the same 16 kHz audio through its own
 * weight-free encoders.
 */
export interface EmotionScorer {
  readonly source: 'pair' | 'embedded';
  /** The scoring head's name (HeadInfo.name). */
  readonly head: string;
  /** Clips in the speaker profile the statistics were normalised with, or null when the score was not adapted. */
  readonly adaptedClips: number | null;
}

/** A clip's scores and the head that gave them. */
export interface ScoredEmotion {
  readonly emotion: EmotionScores;
  readonly scorer: EmotionScorer;
}

/** One class probability of the emotion head. */
export interface EmotionScore {
  readonly label: string;
  readonly score: number;
}

/**
 * Softmax scores of every label of the head, sorted descending (as transformers.js' audio-classification pipeline
 * returns them), summing to 1.
 */
export type EmotionScores = readonly EmotionScore[];

/** The TensorFlow.js backend an emotion head runs on (chosen after a gradient self-test). */
export type HeadEngine = 'webgpu' | 'wasm' | 'cpu';

/** The two files of a trained head as the page read them (`config.json` and `model.safetensors`). */
export interface HeadFiles {
  /** Text of config.json. */
  readonly configJson: string;
  /** Bytes of model.safetensors. */
  readonly weights: Uint8Array;
  /**
   * Bytes of training.safetensors, for a head shipped in two files (head-split.ts) when a training run needs them;
   * scoring never does.
   */
  readonly training?: Uint8Array;
  /** Where the files came from, for people: e.g. "config.json + model.safetensors (imported)". */
  readonly source: string;
}

/** What the page shows about the active emotion head. */
export interface HeadInfo {
  /** Id of a built-in head (from manifest.json), or null for an imported one. */
  readonly builtinId: string | null;
  /** A short name: the built-in id, or the imported files' description. */
  readonly name: string;
  /** Where the files came from (manifest URL of a built-in head, or what the page passed when importing). */
  readonly source: string;
  /** Built-in heads: the manifest's description; imported heads: `training.description` of config.json, if any. */
  readonly description: string | null;
  /** Model pair the head was trained on (`encoders.pair` of config.json). */
  readonly pair: string;
  /** Encoder model ids the head was trained on. */
  readonly encoders: { readonly audio: string; readonly text: string };
  /** Classes in logit order. */
  readonly labels: readonly string[];
  /** Validation metrics stored with the head (ua, wa, macroF1, ...), or null when it was never validated. */
  readonly metrics: Readonly<Record<string, number>> | null;
  /** Creation date (ISO 8601) from config.json. */
  readonly createdAt: string;
  /** Terms of use: the manifest's `license` for a built-in head, else the model card's; null when unknown. */
  readonly license: string | null;
  /** The model card's facts (`training.card` of config.json), the fields it has; null when it has none. */
  readonly card: HeadCard | null;
  /** URL of the head's model card (MODEL_CARD.md) when the manifest lists one. */
  readonly cardUrl: string | null;
  /** Clip counts and held-out speakers of the run, from `training` of config.json (null where not recorded). */
  readonly trainingFacts: TrainingFacts;
  /** Whether the head reads utterance statistics, so its scores can be adapted to a voice (a speaker profile). */
  readonly speakerAdaptable: boolean;
  /** The engine backend the head runs on, the backends passed over (with the reason), and its WASM threads. */
  readonly engine: {
    readonly backend: HeadEngine;
    readonly rejected: readonly { readonly backend: HeadEngine; readonly reason: string }[];
    /** Threads of the wasm backend (1 on WebGPU and CPU). */
    readonly threads: number;
  };
}

/** Facts of a head's model card, as `training.card` of its config.json gives them (each optional). */
export interface HeadCard {
  /** What it was trained on (e.g. "RAVDESS actors 1-16, acted North American English"). */
  readonly data?: string;
  readonly license?: string;
  /** How it was validated, in words. */
  readonly validation?: string;
  /** What it must not be used for, and where it is weak. */
  readonly limitations?: string;
}

/** The size of a head's training run, from config.json's `training`. */
export interface TrainingFacts {
  readonly trainClips: number | null;
  readonly validationClips: number | null;
  readonly validationSpeakers: readonly string[];
}

/** Something the page should tell the user about the emotion head after `init` (a discriminated union). */
export type HeadNotice =
  /** A built-in head listed for the pair could not be loaded; transcription works without it. */
  | { readonly kind: 'builtin-failed'; readonly headId: string; readonly error: ErrorInfo }
  /** The active head was made for another model pair and was removed when the pair changed. */
  | {
      readonly kind: 'dropped';
      readonly name: string;
      readonly headPair: string;
      readonly pair: string;
      readonly message: string;
    }
  /** The embedded pair's head, which scores clips of a pair without a head, could not be loaded. */
  | { readonly kind: 'embedded-failed'; readonly headId: string; readonly error: ErrorInfo };

/** The worker's emotion head as of now, with the notices of the last `init`. */
export interface HeadStatus {
  readonly head: HeadInfo | null;
  /**
   * The embedded pair's shipped head, ready to score clips while `head` is null (null when the loaded pair is the
   * embedded pair itself, the manifest has no such head, or it failed to load: see the notices).
   */
  readonly embedded: HeadInfo | null;
  readonly notices: readonly HeadNotice[];
}

/** A clip's raw utterance statistics (the page keeps them, never audio, to adapt scores to a voice). */
export interface UtteranceStatsRow {
  /** Feature-set id (statistics of different sets never mix). */
  readonly features: string;
  /** The raw statistics, NaN where one is missing. */
  readonly stats: Float64Array;
}

/** The statistics of a person's recordings, from which the worker builds the speaker profile. */
export interface VoiceRecordings {
  readonly features: string;
  readonly rows: readonly Float64Array[];
}

export type { ErrorInfo };
