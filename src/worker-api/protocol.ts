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
  readonly timings: { readonly audioMs: number; readonly textMs: number };
  /** Sorted label scores, or null while no trained emotion head exists. */
  readonly emotion: readonly { readonly label: string; readonly score: number }[] | null;
}

export type { ErrorInfo };
