/**
 * `public/models/manifest.json`: every model the app can load, where its files come from, and how its graph is
 * edited after download. Parsed once, validated strictly, so a broken manifest fails with a message naming the field.
 */
import { AppError } from '../core/errors';
import type { Backend, Dtype } from './runtime-types';
import type { SurgeryPlan } from './surgery';

export type ModelRole = 'audio-encoder' | 'text-encoder';

/**
 * One file of a model, relative to its source. `sha256`/`bytes` are checked when known; a hub file without `sha256`
 * is checked against what this device saw on its first download instead (`src/runtime/pins.ts`).
 */
export interface FileRef {
  readonly path: string;
  readonly sha256?: string;
  readonly bytes?: number;
  /**
   * Approximate size, shown before a download starts and never checked: an exact `bytes` belongs only beside a
   * pinned revision (`npm run pin-models` writes both), or it would refuse the next revision of the same model.
   */
  readonly downloadBytes?: number;
}

/**
 * Files come from a model hub repository or from a folder under the models root. A hub `revision` is a commit (40
 * lower-case hex digits: pinned, its files cannot change) or a branch or tag name such as `main` (unpinned: the files
 * may change upstream, so the loader trusts the first download on each device and refuses a later different one).
 */
export type ModelSource =
  | { readonly type: 'hub'; readonly repo: string; readonly revision: string }
  | { readonly type: 'local'; readonly path: string };

/** Whether a hub revision names a commit (40 lower-case hex digits) rather than a branch or tag that can move. */
export function isPinnedRevision(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

export interface TensorSpec {
  readonly name: string;
  readonly dtype: 'float32' | 'float16' | 'int64';
  readonly shape: readonly (number | string)[];
}

/** An ONNX export plus the small JSON files that go with it. */
export interface OnnxModelEntry {
  readonly id: string;
  readonly role: ModelRole;
  readonly format: 'onnx';
  readonly description: string;
  readonly source: ModelSource;
  /** ONNX file per weight precision. */
  readonly weights: Partial<Record<Dtype, FileRef>>;
  /** Side files by purpose: `vocab` (CTC vocabulary), `tokenizer`, `tokenizerConfig`, `config`. */
  readonly files: Readonly<Record<string, FileRef>>;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly surgery: SurgeryPlan;
  readonly hiddenSize: number;
  readonly numLayers: number;
}

/** A weight-free encoder computed in code (log-mel frames or hashed character n-grams). */
export interface LiteModelEntry {
  readonly id: string;
  readonly role: ModelRole;
  readonly format: 'lite';
  readonly description: string;
  readonly options: Readonly<Record<string, number>>;
}

export type ModelEntry = OnnxModelEntry | LiteModelEntry;

export interface ModelPair {
  readonly audio: string;
  readonly text: string;
  readonly description: string;
}

/**
 * A trained MMER emotion head shipped with the app: its two files, resolved relative to the manifest. The worker loads
 * the first head listed for the active pair after the encoders.
 */
export interface HeadEntry {
  readonly id: string;
  /** The model pair whose features the head was trained on (a key of `pairs`). */
  readonly pair: string;
  readonly description: string;
  /**
   * Terms the head is shipped under (e.g. "CC BY-NC-SA 4.0", inherited from its training data), shown beside its
   * scores.
   */
  readonly license?: string;
  /** The head's labels in logit order, as its config.json lists them (shown before its files are read). */
  readonly labels?: readonly string[];
  /**
   * `card`: the head's model card (MODEL_CARD.md), linked from the page. `training`: the parameters only training
   * reads (training.safetensors, see head-split.ts), fetched when a run starts from the head; a head without it keeps
   * them in `weights`.
   */
  readonly files: {
    readonly config: FileRef;
    readonly weights: FileRef;
    readonly card?: FileRef;
    readonly training?: FileRef;
  };
}

export interface Manifest {
  readonly version: 1;
  /** Base URL of the model hub, e.g. `https://huggingface.co`. */
  readonly hubUrl: string;
  readonly defaultPair: string;
  /**
   * Weight precision preference per backend, best first; the first one the model ships (and the device supports) wins.
   */
  readonly dtypePreference: Readonly<Record<Backend, readonly Dtype[]>>;
  readonly models: readonly ModelEntry[];
  readonly pairs: Readonly<Record<string, ModelPair>>;
  /** Built-in emotion heads, in order of preference per pair (empty when the manifest lists none). */
  readonly heads: readonly HeadEntry[];
}

/** The two models of a pair, looked up by id. Throws AppError('bad-manifest') for an unknown pair. */
export function resolvePair(manifest: Manifest, pairName: string): { audio: ModelEntry; text: ModelEntry } {
  const pair = manifest.pairs[pairName];
  if (pair === undefined) {
    throw new AppError(
      'bad-manifest',
      `Unknown model pair "${pairName}". Known pairs: ${Object.keys(manifest.pairs).join(', ')}.`,
    );
  }
  const find = (id: string): ModelEntry => {
    const m = manifest.models.find((e) => e.id === id);
    if (m === undefined)
      throw new AppError('bad-manifest', `Model "${id}" of pair "${pairName}" is not in the manifest.`);
    return m;
  };
  return { audio: find(pair.audio), text: find(pair.text) };
}

/**
 * Weight precisions to try on a backend, best first: the preferred dtypes the model ships, then any other it ships,
 * skipping fp16 where the GPU lacks shader-f16 (fp16 weights would then be upcast or fail).
 */
export function dtypeCandidates(
  manifest: Manifest,
  entry: OnnxModelEntry,
  backend: Backend,
  hasShaderF16: boolean,
): Dtype[] {
  const shipped = (Object.keys(entry.weights) as Dtype[]).filter((d) => d !== 'fp16' || hasShaderF16);
  const preferred = manifest.dtypePreference[backend].filter((d) => shipped.includes(d));
  const out = [...preferred, ...shipped.filter((d) => !preferred.includes(d))];
  if (out.length === 0)
    throw new AppError('bad-model', `Model "${entry.id}" ships only fp16 weights, which this device cannot run.`);
  return out;
}

/**
 * Approximate download of a pair's weights at `dtype` (the sum of the `downloadBytes` or `bytes` of each ONNX model's
 * file at that dtype; side files are small and left out). Null when a model lacks that dtype or a size; 0 for a pair
 * of weight-free encoders.
 */
export function pairDownloadBytes(manifest: Manifest, pairName: string, dtype: Dtype): number | null {
  const { audio, text } = resolvePair(manifest, pairName);
  let sum = 0;
  for (const m of [audio, text]) {
    if (m.format !== 'onnx') continue;
    const ref = m.weights[dtype];
    const size = ref?.downloadBytes ?? ref?.bytes;
    if (size === undefined) return null;
    sum += size;
  }
  return sum;
}

/** True when every model of the pair is computed in code (nothing to download). */
export function isWeightFree(manifest: Manifest, pairName: string): boolean {
  const { audio, text } = resolvePair(manifest, pairName);
  return audio.format === 'lite' && text.format === 'lite';
}

/** The built-in heads listed for a pair, in manifest order (the first one is loaded at start-up). */
export function headsForPair(manifest: Manifest, pairName: string): HeadEntry[] {
  return manifest.heads.filter((h) => h.pair === pairName);
}

/** Absolute URL of a head file: heads live under the models root, so their paths resolve against the manifest. */
export function headFileUrl(manifestUrl: string, file: FileRef): string {
  return new URL(file.path, manifestUrl).href;
}

/** Absolute URL of one file of a model: hub `resolve` URL, or a path under the models root (the manifest's folder). */
export function fileUrl(manifest: Manifest, manifestUrl: string, source: ModelSource, file: FileRef): string {
  if (source.type === 'hub') {
    return `${manifest.hubUrl}/${source.repo}/resolve/${encodeURIComponent(source.revision)}/${file.path}`;
  }
  return new URL(`${source.path.replace(/\/+$/, '')}/${file.path}`, manifestUrl).href;
}

/**
 * The hidden state a head that trains the encoder's top `k` layers reads: the output of layer numLayers-1-k
 * (0-based), or the input of the CTC head when k is 0.
 * @throws AppError('bad-model') when k leaves no frozen layer (at least one must stay in the ONNX graph).
 */
export function exposedLayer(k: number, numLayers: number): 'head-input' | number {
  if (k === 0) return 'head-input';
  if (k >= numLayers)
    throw new AppError(
      'bad-model',
      `encoderLayers is ${String(k)}, but the audio encoder has only ${String(numLayers)} layers; at most ${String(numLayers - 1)} can be trained.`,
    );
  return numLayers - 1 - k;
}

/** The inverse of `exposedLayer`: how many wav2vec2 layers sit above the hidden state `layer` (0 for 'head-input'). */
export function layersAbove(layer: 'head-input' | number, numLayers: number): number {
  return layer === 'head-input' ? 0 : numLayers - 1 - layer;
}

/** The manifest with the pair's audio graph cut at `layer` instead of where the manifest says. */
export function withAudioLayer(manifest: Manifest, pair: string, layer: 'head-input' | number | undefined): Manifest {
  const { audio } = resolvePair(manifest, pair);
  if (layer === undefined || audio.format !== 'onnx' || audio.surgery.layer === layer) return manifest;
  if (typeof layer === 'number' && (layer < 0 || layer >= audio.numLayers)) {
    throw new AppError(
      'bad-model',
      `Layer ${String(layer)} does not exist in ${audio.id} (layers 0-${String(audio.numLayers - 1)}).`,
    );
  }
  const patched: OnnxModelEntry = { ...audio, surgery: { ...audio.surgery, layer } };
  return { ...manifest, models: manifest.models.map((m) => (m === audio ? patched : m)) };
}

/**
 * The manifest with its hub host replaced (a mirror, or a local copy served over HTTP), as `--hub-url` in the CLI and
 * `VITE_MMER_HUB_URL` in the page build ask; unchanged when `hubUrl` is absent or empty. Model ids, revisions and
 * paths stay as they are, so `<hub>/<repo>/resolve/<revision>/<path>` must work on the mirror.
 * @throws AppError('bad-manifest') when `hubUrl` is not an http(s) URL.
 */
export function withHubUrl(manifest: Manifest, hubUrl: string | null | undefined): Manifest {
  const raw = hubUrl?.trim() ?? '';
  if (raw === '') return manifest;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError(
      'bad-manifest',
      `The hub URL "${raw}" is not a URL (expected e.g. https://hf-mirror.example.org).`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new AppError('bad-manifest', `The hub URL "${raw}" must start with https:// or http://.`);
  return { ...manifest, hubUrl: url.href.replace(/\/+$/, '') };
}
