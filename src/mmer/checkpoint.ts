/**
 * A trained MMER head on disk is two files: `config.json` (a `HeadManifest`: configuration, encoders, CTC vocabulary,
 * loss weights, metrics) and `model.safetensors` (the parameters, named as in params.ts). This module converts between
 * those bytes and a ParamStore, checking everything on the way in, so a wrong or damaged file fails at load time with a
 * message naming the file and the field instead of producing silent nonsense later. Pure code: the browser worker and
 * the Node CLI share it (the Node file helpers live in checkpoint-node.ts).
 */
import { AppError } from '../core/errors';
import { validateConfig, type MmerConfig } from './config';
import { ParamStore, type SerialisedParams } from './params';
import { HEAD_TRAINING_FILE, trainingTensors } from './head-split';
import { decodeSafetensors, encodeSafetensors, type StoredDtype } from './safetensors';

/** Name of the manifest file of a head directory. */
export const HEAD_CONFIG_FILE = 'config.json';
/** Name of the parameter file of a head directory. */
export const HEAD_WEIGHTS_FILE = 'model.safetensors';

/** The content of config.json. */
export interface HeadManifest {
  readonly format: 'mmer-head';
  readonly version: 1;
  /** Labels and dimensions; decides every parameter shape. */
  readonly config: MmerConfig;
  /** Which encoders produced the head's inputs; a head only makes sense on features from the same encoders. */
  readonly encoders: {
    readonly pair: string;
    readonly audio: string;
    readonly text: string;
    /** `'head-input'`: the hidden state feeding wav2vec2's lm_head; a number: that transformer layer's output. */
    readonly hiddenStateLayer: 'head-input' | number;
  };
  /** CTC vocabulary, index -> symbol (blank first). */
  readonly vocab: readonly string[];
  /** Loss weights and settings the head was trained with. */
  readonly loss: {
    readonly ctc: number;
    readonly supcon: number;
    readonly acl: number;
    readonly temperature: number;
    readonly supconVariant: string;
  };
  /** Validation metrics (e.g. ua, wa, macroF1), or null when none were measured. */
  readonly metrics: Readonly<Record<string, number>> | null;
  /** ISO 8601 creation date. */
  readonly createdAt: string;
  /** Free-form run settings (epochs, lr, seed, ...), kept as JSON. */
  readonly training?: Readonly<Record<string, unknown>>;
}

/** How the two files are named in error messages (full paths when they come from disk). */
export interface CheckpointFileNames {
  readonly config: string;
  readonly weights: string;
  /** The training-only file of a split head (head-split.ts); `training.safetensors` when not given. */
  readonly training?: string;
}

const DEFAULT_NAMES: CheckpointFileNames = { config: HEAD_CONFIG_FILE, weights: HEAD_WEIGHTS_FILE };

type Obj = Record<string, unknown>;

const CONFIG_KEYS = [
  'labels',
  'audioDim',
  'textDim',
  'hidden',
  'heads',
  'ffn',
  'dropout',
  'layerNormEps',
  'vocabSize',
  'audioLayers',
] as const;
/** Config fields a head only has when it runs encoder layers (heads without them stay valid). */
const OPTIONAL_CONFIG_KEYS = ['encoderLayers', 'encoderHeads', 'encoderFfn', 'encoderLayerNormEps'] as const;
const TOP_KEYS = ['format', 'version', 'config', 'encoders', 'vocab', 'loss', 'metrics', 'createdAt', 'training'];

/** A value as JSON for a message; JSON.stringify(undefined) is undefined at run time despite its type. */
function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The message of a nested error without the prefix its module adds, so the combined message reads as one sentence. */
function inner(err: unknown, prefix?: RegExp): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (prefix ? msg.replace(prefix, '') : msg).replace(/\.$/, '');
}

/**
 * Checks the parsed content of config.json field by field and rebuilds it with known keys only.
 * Unknown keys are refused: version 1 is a fixed schema, and a misspelt key would otherwise vanish without a word.
 */
function parseManifest(raw: unknown, file: string): HeadManifest {
  const fail = (field: string, msg: string): never => {
    throw new AppError('bad-model', `${file}: field "${field}" ${msg}.`);
  };
  const obj = (v: unknown, field: string, allowed: readonly string[]): Obj => {
    if (!isObj(v)) return fail(field, 'must be an object');
    const extra = Object.keys(v).find((k) => !allowed.includes(k));
    if (extra !== undefined)
      fail(`${field === '' ? '' : `${field}.`}${extra}`, 'is not part of the head format (version 1)');
    return v;
  };
  const str = (v: unknown, field: string): string =>
    typeof v === 'string' && v.length > 0 ? v : fail(field, 'must be a non-empty string');
  const num = (v: unknown, field: string, min = Number.NEGATIVE_INFINITY): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(field, 'must be a finite number');
    return v >= min ? v : fail(field, `must be at least ${min} (got ${v})`);
  };
  if (!isObj(raw)) throw new AppError('bad-model', `${file}: the content must be a JSON object.`);
  const top = obj(raw, '', TOP_KEYS);
  if (top.format !== 'mmer-head')
    fail('format', `must be "mmer-head" (got ${show(top.format)}); this is not an MMER head`);
  if (top.version !== 1) fail('version', `must be 1 (got ${show(top.version)}); this app reads version 1 only`);

  const c = obj(top.config, 'config', [...CONFIG_KEYS, ...OPTIONAL_CONFIG_KEYS, 'utterance']);
  const labels = Array.isArray(c.labels)
    ? (c.labels as unknown[])
    : fail('config.labels', 'must be an array of strings');
  const config: MmerConfig = {
    labels: labels.map((l, i) => str(l, `config.labels[${i}]`)),
    audioDim: num(c.audioDim, 'config.audioDim'),
    textDim: num(c.textDim, 'config.textDim'),
    hidden: num(c.hidden, 'config.hidden'),
    heads: num(c.heads, 'config.heads'),
    ffn: num(c.ffn, 'config.ffn'),
    dropout: num(c.dropout, 'config.dropout'),
    layerNormEps: num(c.layerNormEps, 'config.layerNormEps'),
    vocabSize: num(c.vocabSize, 'config.vocabSize'),
    audioLayers: num(c.audioLayers, 'config.audioLayers'),
  };
  for (const k of OPTIONAL_CONFIG_KEYS)
    if (c[k] !== undefined) Object.assign(config, { [k]: num(c[k], `config.${k}`) });
  if (c.utterance !== undefined) {
    const u = obj(c.utterance, 'config.utterance', ['features', 'dim', 'frames', 'global', 'speaker', 'dropout']);
    const nums = (v: unknown, field: string): number[] =>
      Array.isArray(v) ? v.map((x, i) => num(x, `${field}[${i}]`)) : fail(field, 'must be an array of numbers');
    const norm = (v: unknown, field: string): { mean: number[]; std: number[] } => {
      const n = obj(v, field, ['mean', 'std']);
      return { mean: nums(n.mean, `${field}.mean`), std: nums(n.std, `${field}.std`) };
    };
    Object.assign(config, {
      utterance: {
        features: str(u.features, 'config.utterance.features'),
        dim: num(u.dim, 'config.utterance.dim'),
        frames: num(u.frames, 'config.utterance.frames'),
        global: norm(u.global, 'config.utterance.global'),
        speaker: norm(u.speaker, 'config.utterance.speaker'),
        dropout: num(u.dropout, 'config.utterance.dropout'),
      },
    });
  }
  try {
    validateConfig(config);
  } catch (err) {
    fail('config', `is invalid: ${inner(err, /^Invalid MMER model configuration: /)}`);
  }

  const e = obj(top.encoders, 'encoders', ['pair', 'audio', 'text', 'hiddenStateLayer']);
  const layer = e.hiddenStateLayer;
  if (!(layer === 'head-input' || (typeof layer === 'number' && Number.isInteger(layer) && layer >= 0))) {
    fail('encoders.hiddenStateLayer', `must be "head-input" or a non-negative integer (got ${show(layer)})`);
  }
  const encoders = {
    pair: str(e.pair, 'encoders.pair'),
    audio: str(e.audio, 'encoders.audio'),
    text: str(e.text, 'encoders.text'),
    hiddenStateLayer: layer as 'head-input' | number,
  };

  const vocabRaw = Array.isArray(top.vocab) ? (top.vocab as unknown[]) : fail('vocab', 'must be an array of strings');
  const vocab = vocabRaw.map((s, i) => str(s, `vocab[${i}]`));
  if (vocab.length !== config.vocabSize) {
    fail('vocab', `has ${vocab.length} symbols but config.vocabSize is ${config.vocabSize}`);
  }
  // Two indices with one symbol would make CTC decoding ambiguous.
  const dup = vocab.find((s, i) => vocab.indexOf(s) !== i);
  if (dup !== undefined) fail('vocab', `holds the symbol ${JSON.stringify(dup)} twice`);

  const l = obj(top.loss, 'loss', ['ctc', 'supcon', 'acl', 'temperature', 'supconVariant']);
  const loss = {
    ctc: num(l.ctc, 'loss.ctc', 0),
    supcon: num(l.supcon, 'loss.supcon', 0),
    acl: num(l.acl, 'loss.acl', 0),
    temperature: num(l.temperature, 'loss.temperature'),
    supconVariant: str(l.supconVariant, 'loss.supconVariant'),
  };
  if (loss.temperature <= 0) fail('loss.temperature', `must be positive (got ${loss.temperature})`);

  let metrics: Record<string, number> | null = null;
  if (top.metrics !== null) {
    const m = isObj(top.metrics) ? top.metrics : fail('metrics', 'must be an object of numbers or null');
    metrics = {};
    for (const [k, v] of Object.entries(m)) metrics[k] = num(v, `metrics.${k}`);
  }

  const createdAt = str(top.createdAt, 'createdAt');
  if (!/^\d{4}-\d{2}-\d{2}/.test(createdAt) || !Number.isFinite(Date.parse(createdAt))) {
    fail('createdAt', `must be an ISO 8601 date (got ${JSON.stringify(createdAt)})`);
  }

  const manifest: HeadManifest = { format: 'mmer-head', version: 1, config, encoders, vocab, loss, metrics, createdAt };
  if (top.training === undefined) return manifest;
  const training = isObj(top.training) ? top.training : fail('training', 'must be an object');
  return { ...manifest, training };
}

function bad(message: string, cause: unknown): AppError {
  return new AppError('bad-model', message, { cause });
}

/**
 * Serialises a head. The manifest goes through the same checks as on load (so nothing is written that could not be
 * read back) and must describe the configuration the parameters were built for. `weights` F16 or Q8 is for shipping a
 * head people download (F16: half the bytes, scores within float16 rounding; Q8: weight matrices as int8 with a scale
 * per column, about a quarter of the bytes; see int8-weights.ts); training state stays F32. Both read back as float32.
 * @throws AppError('bad-model') for an invalid manifest; AppError('internal') when it does not match `params`.
 */
export async function encodeCheckpoint(
  manifest: HeadManifest,
  params: ParamStore,
  weights: StoredDtype = 'F32',
): Promise<{ configJson: string; safetensors: Uint8Array }> {
  // The JSON round trip is what a reader will see: NaN turns into null, undefined disappears, and both get caught.
  const checked = parseManifest(JSON.parse(JSON.stringify(manifest)) as unknown, HEAD_CONFIG_FILE);
  const pc = params.config;
  const mismatch = [...CONFIG_KEYS, ...OPTIONAL_CONFIG_KEYS, 'utterance' as const].find(
    (k) => JSON.stringify(pc[k]) !== JSON.stringify(checked.config[k]),
  );
  if (mismatch !== undefined) {
    throw new AppError(
      'internal',
      `Cannot save the MMER head: the manifest's config.${mismatch} (${JSON.stringify(checked.config[mismatch])}) differs from the parameters' (${JSON.stringify(pc[mismatch])}).`,
    );
  }
  return {
    configJson: `${JSON.stringify(checked, null, 2)}\n`,
    safetensors: encodeSafetensors(await params.serialise(), { format: 'mmer-head' }, weights),
  };
}

/**
 * Reads a head from the bytes of its two files and checks all of it: JSON syntax, format and version, every manifest
 * field, the configuration, the vocabulary size, and that the tensors are exactly the configuration's parameters.
 * A split head (head-split.ts) passes its training-only file as `training`; without it the head scores but its store
 * is not `trainable`. `names` only changes how the files are named in messages. The caller disposes the ParamStore.
 * @throws AppError('bad-model') naming the file and the field or tensor at fault.
 */
export function decodeCheckpoint(
  configJson: string,
  safetensors: Uint8Array,
  names: CheckpointFileNames = DEFAULT_NAMES,
  training?: Uint8Array,
): { manifest: HeadManifest; params: ParamStore } {
  let raw: unknown;
  try {
    raw = JSON.parse(configJson);
  } catch (err) {
    throw bad(`${names.config} is not valid JSON (${inner(err)}).`, err);
  }
  const manifest = parseManifest(raw, names.config);
  let tensors: ReturnType<typeof decodeSafetensors>['tensors'];
  try {
    tensors = decodeSafetensors(safetensors).tensors;
  } catch (err) {
    throw bad(`${names.weights} is not a readable safetensors file: ${inner(err, /^Checkpoint: /)}.`, err);
  }
  if (training !== undefined)
    tensors = { ...tensors, ...trainingTensors(training, tensors, names.training ?? HEAD_TRAINING_FILE) };
  const record: SerialisedParams = {};
  for (const [name, t] of Object.entries(tensors)) record[name] = { shape: [...t.shape], data: t.data };
  try {
    return { manifest, params: ParamStore.load(manifest.config, record) };
  } catch (err) {
    const files =
      training === undefined ? names.weights : `${names.weights} with ${names.training ?? HEAD_TRAINING_FILE}`;
    throw bad(
      `${files} does not fit ${names.config}: ${inner(err, /^MMER checkpoint does not fit the model: /)}.`,
      err,
    );
  }
}
