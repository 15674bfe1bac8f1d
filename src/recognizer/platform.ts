/**
 * What the recognizer needs of the place it runs in. The worker (web-platform.ts) and Node (node-platform.ts) differ
 * only here: how a backend is chosen and sessions are made, where the manifest and the model cache live, which
 * TensorFlow.js entry starts the head engine, and where the clip library is.
 */
import type { ClipLibrary } from '../data/library/library-types';
import type { EngineInfo } from '../mmer/engine';
import type { ByteStore } from '../runtime/cache';
import type { Manifest } from '../runtime/manifest';
import type { OrtAdapter } from '../runtime/ort-types';
import type { HeadEngine } from '../worker-api/protocol';
import type { Backend, BackendInfo } from '../runtime/runtime-types';

/** The encoders' backend as chosen, and the sessions' factory on it. */
export interface ChosenBackend {
  readonly info: BackendInfo;
  /** Whether fp16 graphs can run on the chosen GPU. */
  readonly shaderF16: boolean;
  readonly ort: OrtAdapter;
}

/** A model cache whose writes may still be landing; `flush` resolves once they have. */
export interface FlushableStore extends ByteStore {
  flush?(): Promise<void>;
}

export interface RecognizerPlatform {
  /** Chooses the encoders' backend for `requested` (what the host offers decides 'auto'). */
  chooseBackend(requested: Backend | 'auto'): Promise<ChosenBackend>;
  /** The manifest at `location` (a URL or path as the host reads it), with its hub host replaced by `hubUrl`. */
  readManifest(
    location: string,
    hubUrl: string | null,
  ): Promise<{ readonly manifest: Manifest; readonly manifestUrl: string }>;
  /** The model cache for one load. */
  openStore(): FlushableStore;
  /** Fetch for model files (default: the global fetch). */
  readonly fetchImpl?: typeof fetch;
  /** Starts the TensorFlow.js engine on the first backend of `order` that works (imported lazily by the host). */
  startEngine(order: readonly HeadEngine[]): Promise<EngineInfo>;
  /** The voice-activity model's bytes (src/timeline/vad-model.ts: served by the page, read from node_modules). */
  readVadModel(): Promise<Uint8Array>;
  /** Sessions for the voice-activity model: a small recurrent graph run frame by frame, always on the CPU. */
  vadAdapter(): Promise<OrtAdapter>;
  /**
   * Whether a loaded head also scores on the encoders' onnxruntime (head-onnx-session.ts) on the CPU path: in Node,
   * where it is 4-5x faster than tfjs-wasm; not in the page, where it is 1.3x faster but adds the head's weights to
   * the WASM heap of a page already over its memory goal (docs/decisions.md).
   */
  readonly headOnOnnx?: boolean;
  /** Opens the clip library that training and evaluation read; absent where there is none (the CLI). */
  readonly openLibrary?: () => Promise<ClipLibrary>;
}
