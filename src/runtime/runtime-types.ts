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
  /**
   * A download starts: its size as far as known beforehand (the manifest's or the pin's, else null) and why, so a
   * person is told what is coming before it comes.
   */
  | {
      readonly status: 'initiate';
      readonly model: string;
      readonly file: string;
      readonly total: number | null;
      readonly why: FetchWhy;
    }
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
      /** Bytes downloaded (the file as served), or read from the cache. */
      readonly bytes: number;
      /** Why the loader needed the file: the byte ledger's reason (fetch-ledger.ts words and sums it). */
      readonly why: FetchWhy;
    }
  | { readonly status: 'ready'; readonly model: string; readonly dtype: Dtype | 'none' };

/** The role of an encoder in its pair (as `ModelRole` in manifest.ts; repeated here to keep this file import-free). */
export type EncoderRole = 'audio-encoder' | 'text-encoder';

/**
 * Why the loader reads one model file: every download is accounted for with one of these, so a byte fetched for no
 * run, or twice, shows up in the ledger (the bench's load case prints it, tests check it).
 * - `graph`: the ONNX graph an encoder runs at `dtype`.
 * - `side-file`: a small JSON file of an encoder (`vocab`, `tokenizer`, `tokenizerConfig`, `config`); `use` says whether
 *   inference reads it or only a training run does (the audio encoder's config.json).
 * - `head`: a file of a built-in emotion head; `slot` says which: the loaded pair's own, the embedded stand-in (scores
 *   a pair without a head), or one a training run starts from; `part` says which of its files (`training`: the
 *   parameters only training reads, fetched for a run alone).
 */
export type FetchWhy =
  | { readonly kind: 'graph'; readonly role: EncoderRole; readonly dtype: Dtype }
  | {
      readonly kind: 'side-file';
      readonly role: EncoderRole;
      readonly purpose: string;
      readonly use: 'inference' | 'training';
    }
  | {
      readonly kind: 'head';
      readonly slot: 'pair' | 'embedded' | 'training';
      readonly part: 'config' | 'weights' | 'training';
    };
