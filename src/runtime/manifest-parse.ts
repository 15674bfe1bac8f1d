/**
 * Strict validation of `manifest.json`. Every problem is reported with the JSON path of the field, because a
 * manifest is edited by hand and a vague "invalid manifest" wastes an afternoon.
 */
import { AppError } from '../core/errors';
import type { Backend, Dtype } from './runtime-types';
import type { SurgeryPlan } from './surgery';
import type {
  FileRef,
  HeadEntry,
  LiteModelEntry,
  Manifest,
  ModelEntry,
  ModelPair,
  ModelRole,
  ModelSource,
  OnnxModelEntry,
  TensorSpec,
} from './manifest';

const DTYPES: readonly Dtype[] = ['fp32', 'fp16', 'q8'];
const BACKENDS: readonly Backend[] = ['webgpu', 'wasm-mt', 'wasm'];
const ROLES: readonly ModelRole[] = ['audio-encoder', 'text-encoder'];

type Obj = Readonly<Record<string, unknown>>;

function fail(path: string, what: string): never {
  throw new AppError('bad-manifest', `Model manifest: ${path} ${what}`);
}
function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'must be an object');
  return v as Obj;
}
function str(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.length === 0) fail(path, 'must be a non-empty string');
  return v;
}
function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(path, 'must be a non-negative number');
  return v;
}
function arr(v: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(v)) fail(path, 'must be an array');
  return v;
}
function labelList(v: unknown, path: string): string[] {
  const labels = arr(v, path).map((l, i) => str(l, `${path}[${String(i)}]`));
  if (labels.length < 2 || new Set(labels).size !== labels.length) fail(path, 'must list two or more distinct labels');
  return labels;
}
function oneOf<T extends string>(v: unknown, allowed: readonly T[], path: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    fail(path, `must be one of ${allowed.join(', ')}`);
  return v as T;
}

function fileRef(v: unknown, path: string): FileRef {
  const o = obj(v, path);
  const ref: { path: string; sha256?: string; bytes?: number; downloadBytes?: number } = {
    path: str(o.path, `${path}.path`),
  };
  if (ref.path.includes('..') || ref.path.startsWith('/'))
    fail(`${path}.path`, 'must be a relative path inside the model folder');
  if (o.sha256 !== undefined) {
    const sha = str(o.sha256, `${path}.sha256`);
    if (!/^[0-9a-f]{64}$/.test(sha)) fail(`${path}.sha256`, 'must be 64 lower-case hex digits');
    ref.sha256 = sha;
  }
  if (o.bytes !== undefined) ref.bytes = num(o.bytes, `${path}.bytes`);
  if (o.downloadBytes !== undefined) ref.downloadBytes = num(o.downloadBytes, `${path}.downloadBytes`);
  return ref;
}

/**
 * A hub revision: a full commit, or a branch or tag name. A shortened or upper-case commit is refused rather than
 * taken for a branch name, since it would then be fetched unpinned (and the hub may not resolve it at all).
 */
function revision(v: unknown, path: string): string {
  const rev = str(v, path);
  if (/^[0-9a-fA-F]{40}$/.test(rev) && !/^[0-9a-f]{40}$/.test(rev))
    fail(path, `must be a commit in lower-case hex ("${rev}")`);
  if (/^[0-9a-f]{7,}$/.test(rev) && rev.length !== 40)
    fail(
      path,
      `looks like a commit of ${String(rev.length)} hex digits ("${rev}"); give all 40 (npm run pin-models writes them) or a branch name`,
    );
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(rev) || rev.includes('..') || rev.endsWith('/'))
    fail(path, `must be a 40-hex commit or a branch or tag name such as main ("${rev}")`);
  return rev;
}

function source(v: unknown, path: string): ModelSource {
  const o = obj(v, path);
  const type = oneOf(o.type, ['hub', 'local'] as const, `${path}.type`);
  if (type === 'hub')
    return { type, repo: str(o.repo, `${path}.repo`), revision: revision(o.revision, `${path}.revision`) };
  return { type, path: str(o.path, `${path}.path`) };
}

function tensor(v: unknown, path: string): TensorSpec {
  const o = obj(v, path);
  const shape = arr(o.shape, `${path}.shape`).map((d, i) =>
    typeof d === 'number' ? num(d, `${path}.shape[${i}]`) : str(d, `${path}.shape[${i}]`),
  );
  return {
    name: str(o.name, `${path}.name`),
    dtype: oneOf(o.dtype, ['float32', 'float16', 'int64'] as const, `${path}.dtype`),
    shape,
  };
}

function surgery(v: unknown, path: string): SurgeryPlan {
  const o = obj(v, path);
  if (typeof o.keepHead !== 'boolean') fail(`${path}.keepHead`, 'must be true or false');
  const layer = o.layer === 'head-input' ? 'head-input' : num(o.layer, `${path}.layer`);
  const plan: SurgeryPlan = {
    headPrefix: str(o.headPrefix, `${path}.headPrefix`),
    keepHead: o.keepHead,
    hiddenOutput: str(o.hiddenOutput, `${path}.hiddenOutput`),
    layer,
    ...(o.layerScope === undefined ? {} : { layerScope: str(o.layerScope, `${path}.layerScope`) }),
  };
  if (typeof layer === 'number' && plan.layerScope?.includes('{i}') !== true) {
    fail(`${path}.layerScope`, 'must contain {i} when layer is a number');
  }
  return plan;
}

function model(v: unknown, path: string): ModelEntry {
  const o = obj(v, path);
  const common = {
    id: str(o.id, `${path}.id`),
    role: oneOf(o.role, ROLES, `${path}.role`),
    description: str(o.description, `${path}.description`),
  };
  const format = oneOf(o.format, ['onnx', 'lite'] as const, `${path}.format`);
  if (format === 'lite') {
    const opts = obj(o.options ?? {}, `${path}.options`);
    const options: Record<string, number> = {};
    for (const [k, val] of Object.entries(opts)) options[k] = num(val, `${path}.options.${k}`);
    return { ...common, format, options } satisfies LiteModelEntry;
  }
  const weightsObj = obj(o.weights, `${path}.weights`);
  const weights: Partial<Record<Dtype, FileRef>> = {};
  for (const [k, val] of Object.entries(weightsObj))
    weights[oneOf(k, DTYPES, `${path}.weights key`)] = fileRef(val, `${path}.weights.${k}`);
  if (Object.keys(weights).length === 0) fail(`${path}.weights`, 'must list at least one ONNX file');
  const files: Record<string, FileRef> = {};
  for (const [k, val] of Object.entries(obj(o.files, `${path}.files`))) files[k] = fileRef(val, `${path}.files.${k}`);
  const entry: OnnxModelEntry = {
    ...common,
    format,
    source: source(o.source, `${path}.source`),
    weights,
    files,
    inputs: arr(o.inputs, `${path}.inputs`).map((t, i) => tensor(t, `${path}.inputs[${i}]`)),
    outputs: arr(o.outputs, `${path}.outputs`).map((t, i) => tensor(t, `${path}.outputs[${i}]`)),
    surgery: surgery(o.surgery, `${path}.surgery`),
    hiddenSize: num(o.hiddenSize, `${path}.hiddenSize`),
    numLayers: num(o.numLayers, `${path}.numLayers`),
  };
  if (entry.role === 'audio-encoder' && entry.files.vocab === undefined)
    fail(`${path}.files.vocab`, 'is required for an audio encoder (CTC vocabulary)');
  if (
    entry.role === 'text-encoder' &&
    (entry.files.tokenizer === undefined || entry.files.tokenizerConfig === undefined)
  ) {
    fail(`${path}.files`, 'must name tokenizer and tokenizerConfig for a text encoder');
  }
  const { layer } = entry.surgery;
  if (typeof layer === 'number' && layer >= entry.numLayers)
    fail(`${path}.surgery.layer`, `must be below numLayers (${entry.numLayers})`);
  return entry;
}

/** Keys a head entry may have: a misspelt optional key would otherwise vanish without a word. */
const HEAD_KEYS = ['id', 'pair', 'description', 'license', 'labels', 'files'];
const HEAD_FILES = ['config', 'weights', 'card', 'training'];

function head(v: unknown, path: string, pairs: Readonly<Record<string, ModelPair>>): HeadEntry {
  const o = obj(v, path);
  const extra = Object.keys(o).find((k) => !HEAD_KEYS.includes(k));
  if (extra !== undefined) fail(`${path}.${extra}`, `is not a head field (expected ${HEAD_KEYS.join(', ')})`);
  const pair = str(o.pair, `${path}.pair`);
  if (!(pair in pairs)) fail(`${path}.pair`, `names no pair ("${pair}"; known: ${Object.keys(pairs).join(', ')})`);
  const files = obj(o.files, `${path}.files`);
  const extraFile = Object.keys(files).find((k) => !HEAD_FILES.includes(k));
  if (extraFile !== undefined)
    fail(`${path}.files.${extraFile}`, `is not a head file (expected ${HEAD_FILES.join(', ')})`);
  return {
    id: str(o.id, `${path}.id`),
    pair,
    description: str(o.description, `${path}.description`),
    ...(o.license === undefined ? {} : { license: str(o.license, `${path}.license`) }),
    ...(o.labels === undefined ? {} : { labels: labelList(o.labels, `${path}.labels`) }),
    files: {
      config: fileRef(files.config, `${path}.files.config`),
      weights: fileRef(files.weights, `${path}.files.weights`),
      ...(files.card === undefined ? {} : { card: fileRef(files.card, `${path}.files.card`) }),
      ...(files.training === undefined ? {} : { training: fileRef(files.training, `${path}.files.training`) }),
    },
  };
}

function heads(v: unknown, pairs: Readonly<Record<string, ModelPair>>): HeadEntry[] {
  // Optional: a manifest without trained heads is valid, the emotion panel then says so.
  if (v === undefined) return [];
  const list = arr(v, 'heads').map((h, i) => head(h, `heads[${i}]`, pairs));
  const seen = new Set<string>();
  for (const h of list) {
    if (seen.has(h.id)) fail('heads', `has two entries with id "${h.id}"`);
    seen.add(h.id);
  }
  return list;
}

/** Validates parsed JSON as a manifest; throws AppError('bad-manifest') naming the first bad field. */
export function parseManifest(json: unknown): Manifest {
  const o = obj(json, 'manifest');
  if (o.version !== 1) fail('version', 'must be 1');
  const models = arr(o.models, 'models').map((m, i) => model(m, `models[${i}]`));
  const ids = new Set<string>();
  for (const m of models) {
    if (ids.has(m.id)) fail('models', `has two entries with id "${m.id}"`);
    ids.add(m.id);
  }
  const pairs: Record<string, ModelPair> = {};
  for (const [name, val] of Object.entries(obj(o.pairs, 'pairs'))) {
    const p = obj(val, `pairs.${name}`);
    const pair = {
      audio: str(p.audio, `pairs.${name}.audio`),
      text: str(p.text, `pairs.${name}.text`),
      description: str(p.description, `pairs.${name}.description`),
    };
    const audio = models.find((m) => m.id === pair.audio);
    const text = models.find((m) => m.id === pair.text);
    if (audio?.role !== 'audio-encoder')
      fail(`pairs.${name}.audio`, `must name an audio-encoder model ("${pair.audio}" is not one)`);
    if (text?.role !== 'text-encoder')
      fail(`pairs.${name}.text`, `must name a text-encoder model ("${pair.text}" is not one)`);
    pairs[name] = pair;
  }
  const defaultPair = str(o.defaultPair, 'defaultPair');
  if (!(defaultPair in pairs)) fail('defaultPair', `names no pair ("${defaultPair}")`);
  const prefObj = obj(o.dtypePreference, 'dtypePreference');
  const dtypePreference = {} as Record<Backend, readonly Dtype[]>;
  for (const b of BACKENDS) {
    dtypePreference[b] = arr(prefObj[b], `dtypePreference.${b}`).map((d, i) =>
      oneOf(d, DTYPES, `dtypePreference.${b}[${i}]`),
    );
  }
  return {
    version: 1,
    hubUrl: str(o.hubUrl, 'hubUrl').replace(/\/+$/, ''),
    defaultPair,
    dtypePreference,
    models,
    pairs,
    heads: heads(o.heads, pairs),
  };
}
