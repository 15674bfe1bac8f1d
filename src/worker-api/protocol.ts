/**
 * Plain-data types shared by the page and the ML worker. Nothing here imports runtime code, so the page
 * can `import type` it without pulling the models' code into the main bundle.
 */
import type { ErrorInfo } from '../core/errors';

/** Where inference runs. `wasm-mt` is multithreaded WASM (needs cross-origin isolation). */
export type Backend = 'webgpu' | 'wasm-mt' | 'wasm';

/** Weight precision of an ONNX file. */
export type Dtype = 'fp32' | 'fp16' | 'q8';

/** Which backend was chosen and why, shown to the user. */
export interface BackendInfo {
  readonly backend: Backend;
  /** A sentence a person can read, e.g. "WebGPU adapter found and self-test passed". */
  readonly reason: string;
  readonly threads: number;
  /** Adapter description when WebGPU is used (vendor/architecture), else null. */
  readonly adapter: string | null;
  /** Backends that were tried and rejected, with the reason, in order. */
  readonly rejected: readonly { readonly backend: Backend; readonly reason: string }[];
}

/** Byte-level progress of model loading (a discriminated union, like transformers.js' progress callback). */
export type LoadProgress =
  | { readonly status: 'initiate'; readonly model: string; readonly file: string }
  | { readonly status: 'progress'; readonly model: string; readonly file: string; readonly loaded: number; readonly total: number | null }
  | { readonly status: 'retry'; readonly model: string; readonly file: string; readonly attempt: number; readonly reason: string }
  | { readonly status: 'verify'; readonly model: string; readonly file: string }
  | { readonly status: 'edit'; readonly model: string; readonly file: string }
  | { readonly status: 'done'; readonly model: string; readonly file: string; readonly fromCache: boolean; readonly bytes: number }
  | { readonly status: 'ready'; readonly model: string; readonly dtype: Dtype | 'none' };

/** Options for starting the worker's pipeline. */
export interface InitOptions {
  /** Model pair from the manifest (`base`, `fixture`, `lite`, ...). */
  readonly pair: string;
  /** URL of `manifest.json`, absolute or relative to the page. */
  readonly manifestUrl: string;
  /** Force a backend instead of choosing automatically. */
  readonly backend?: Backend | 'auto';
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
  /** The engine backend the head runs on, and the backends passed over (with the reason). */
  readonly engine: {
    readonly backend: HeadEngine;
    readonly rejected: readonly { readonly backend: HeadEngine; readonly reason: string }[];
  };
}

/** Something the page should tell the user about the emotion head after `init` (a discriminated union). */
export type HeadNotice =
  /** A built-in head listed for the pair could not be loaded; transcription works without it. */
  | { readonly kind: 'builtin-failed'; readonly headId: string; readonly error: ErrorInfo }
  /** The active head was made for another model pair and was removed when the pair changed. */
  | { readonly kind: 'dropped'; readonly name: string; readonly headPair: string; readonly pair: string; readonly message: string };

/** The worker's emotion head as of now, with the notices of the last `init`. */
export interface HeadStatus {
  readonly head: HeadInfo | null;
  readonly notices: readonly HeadNotice[];
}

export type { ErrorInfo };
