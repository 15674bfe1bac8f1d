/**
 * The runtime's own vocabulary: where inference runs, weight precisions, the backend choice and model-loading
 * progress. Plain data (no runtime code), so the page, the worker protocol and Node all use it.
 */

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
  | {
      readonly status: 'progress';
      readonly model: string;
      readonly file: string;
      readonly loaded: number;
      readonly total: number | null;
    }
  | {
      readonly status: 'retry';
      readonly model: string;
      readonly file: string;
      readonly attempt: number;
      readonly reason: string;
    }
  /** The server has no such file; `next` is the precision loaded instead (null: none left to try). */
  | { readonly status: 'missing'; readonly model: string; readonly file: string; readonly next: Dtype | null }
  | { readonly status: 'verify'; readonly model: string; readonly file: string }
  | { readonly status: 'edit'; readonly model: string; readonly file: string }
  | {
      readonly status: 'done';
      readonly model: string;
      readonly file: string;
      readonly fromCache: boolean;
      readonly bytes: number;
    }
  | { readonly status: 'ready'; readonly model: string; readonly dtype: Dtype | 'none' };
