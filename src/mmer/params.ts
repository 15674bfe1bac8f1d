/**
 * The MMER head's parameter store: one named tf.Variable per tensor, with names and shapes derived from the config.
 *
 * Conventions (shared with tools/reference/head.py and any checkpoint format):
 * - Names are dotted and stable, e.g. `text_block.attn.q.weight`, `block_c.ffn_ln.bias`, `proj_aug.fc2.weight`.
 * - A Linear `X` has `X.weight` stored **[in, out]** (so y = x·W + b; the transpose of torch's nn.Linear) and `X.bias`
 * [out].
 * - A LayerNorm `X` has `X.weight` (gain) and `X.bias`, both [d].
 * - An attention block `X` has `X.attn.{q,k,v,o}` Linears (d→d), `X.attn_ln`, `X.ffn.in` (d→ffn), `X.ffn.out` (ffn→d),
 * `X.ffn_ln`.
 * - `encoder_layers.{i}` are wav2vec2's top transformer layers in that same block layout, at the audio encoder's width.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AppError } from '../core/errors';
import { mulberry32, seedFor } from '../core/rng';
import { encoderLayersOf, validateConfig, type MmerConfig } from './config';
import { DerivedWeights } from './derived-weights';

/** How a parameter starts out: BERT's N(0, 0.02) for matrices, zeros for biases, ones for LayerNorm gains. */
export type ParamInit = 'normal' | 'zeros' | 'ones';

/** One entry of the model's parameter list. */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: ParamInit;
}

/** The plain-data form of a parameter set: what checkpoints store. Data is row-major float32. */
export type SerialisedParams = Record<string, { shape: number[]; data: Float32Array }>;

/** Standard deviation of the initial weights, as in BERT's `initializer_range`. */
export const INIT_STD = 0.02;

function linearSpecs(name: string, inDim: number, outDim: number): ParamSpec[] {
  return [
    { name: `${name}.weight`, shape: [inDim, outDim], init: 'normal' },
    { name: `${name}.bias`, shape: [outDim], init: 'zeros' },
  ];
}

function layerNormSpecs(name: string, dim: number): ParamSpec[] {
  return [
    { name: `${name}.weight`, shape: [dim], init: 'ones' },
    { name: `${name}.bias`, shape: [dim], init: 'zeros' },
  ];
}

function blockSpecs(name: string, d: number, ffn: number): ParamSpec[] {
  return [
    ...linearSpecs(`${name}.attn.q`, d, d),
    ...linearSpecs(`${name}.attn.k`, d, d),
    ...linearSpecs(`${name}.attn.v`, d, d),
    ...linearSpecs(`${name}.attn.o`, d, d),
    ...layerNormSpecs(`${name}.attn_ln`, d),
    ...linearSpecs(`${name}.ffn.in`, d, ffn),
    ...linearSpecs(`${name}.ffn.out`, ffn, d),
    ...layerNormSpecs(`${name}.ffn_ln`, d),
  ];
}

/** The full, ordered parameter list of the head for a config (optional input projections only when dims differ). */
export function paramSpecs(c: MmerConfig): ParamSpec[] {
  const d = c.hidden;
  const specs: ParamSpec[] = [];
  const enc = encoderLayersOf(c);
  for (let i = 0; i < enc.count; i++) specs.push(...blockSpecs(`encoder_layers.${i}`, c.audioDim, enc.ffn));
  if (c.audioDim !== d) specs.push(...linearSpecs('audio_in', c.audioDim, d));
  for (let i = 0; i < c.audioLayers; i++) specs.push(...blockSpecs(`audio_layers.${i}`, d, c.ffn));
  if (c.textDim !== d) specs.push(...linearSpecs('text_in', c.textDim, d));
  specs.push(...blockSpecs('text_block', d, c.ffn));
  specs.push(...linearSpecs('audio_proj_b', d, d), ...linearSpecs('audio_proj_c', d, d));
  for (const b of ['block_b', 'block_c', 'block_d']) specs.push(...blockSpecs(b, d, c.ffn));
  specs.push(...linearSpecs('gate', 2 * d, d), ...linearSpecs('text_pool', 2 * d, d));
  specs.push(...linearSpecs('classifier', 2 * d, c.labels.length), ...linearSpecs('ctc', d, c.vocabSize));
  for (const p of ['proj_orig', 'proj_aug'])
    specs.push(...linearSpecs(`${p}.fc1`, 2 * d, d), ...linearSpecs(`${p}.fc2`, d, d));
  if (c.utterance !== undefined) {
    specs.push(
      ...linearSpecs('utt_global', c.utterance.dim, c.labels.length),
      ...linearSpecs('utt_speaker', c.utterance.dim, c.labels.length),
    );
  }
  return specs;
}

function initialData(spec: ParamSpec, seed: number): Float32Array {
  const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
  if (spec.init === 'ones') data.fill(1);
  if (spec.init !== 'normal') return data;
  const rand = mulberry32(seedFor(seed, spec.name));
  for (let i = 0; i < data.length; i++) {
    // Box-Muller; 1 - u keeps the log argument in (0, 1]. Truncated at 2 std like BERT's truncated-normal init.
    let z: number;
    do z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    while (Math.abs(z) > 2);
    data[i] = z * INIT_STD;
  }
  return data;
}

let storeCount = 0;

function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Copies named variables out as plain data, asynchronously (WebGPU has no synchronous readback). */
export async function serialiseVariables(vars: ReadonlyMap<string, tf.Variable>): Promise<SerialisedParams> {
  const out: SerialisedParams = {};
  for (const [name, v] of vars) out[name] = { shape: [...v.shape], data: new Float32Array(await v.data()) };
  return out;
}

/** Named trainable variables for one head. Dispose it when done: variables live outside tf.tidy. */
export class ParamStore {
  private readonly byName = new Map<string, tf.Variable>();
  private readonly nameOfVar = new Map<string, string>();
  /** Products of this store's weights that inference reuses across clips (see derived-weights.ts). */
  readonly derived = new DerivedWeights();

  private constructor(
    readonly config: MmerConfig,
    entries: readonly (readonly [ParamSpec, Float32Array])[],
  ) {
    // tf.Variable names are global to the engine; a per-store prefix lets several stores (e.g. a copy for evaluation)
    // coexist.
    const prefix = `mmer${storeCount++}/`;
    for (const [spec, data] of entries) {
      const initial = tf.tensor(data, [...spec.shape], 'float32');
      const v = tf.variable(initial, true, prefix + spec.name, 'float32');
      // The variable shares the data; the temporary tensor object must still be released.
      initial.dispose();
      this.byName.set(spec.name, v);
      this.nameOfVar.set(v.name, spec.name);
    }
  }

  /** Fresh parameters for `config`, deterministic in `seed`. */
  static init(config: MmerConfig, seed = 0): ParamStore {
    validateConfig(config);
    return new ParamStore(
      config,
      paramSpecs(config).map((s) => [s, initialData(s, seed)] as const),
    );
  }

  /**
   * Parameters for `config` taken from their plain-data form (e.g. a checkpoint). The record must hold exactly the
   * config's parameters with exactly its shapes.
   * @throws AppError('bad-model') naming the first missing, unexpected, mis-shaped or non-finite parameter.
   */
  static load(config: MmerConfig, record: SerialisedParams): ParamStore {
    validateConfig(config);
    return new ParamStore(config, checkRecord(config, record));
  }

  /** The variable of one parameter. @throws AppError('internal') for a name the model does not have. */
  get(name: string): tf.Variable {
    const v = this.byName.get(name);
    if (v === undefined) throw new AppError('internal', `The MMER head has no parameter "${name}".`);
    return v;
  }

  /** Whether the model has a parameter of this name (optional input projections exist only for some configs). */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Parameter names in spec order. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The variables in spec order (what an optimiser should update). */
  variables(): tf.Variable[] {
    return [...this.byName.values()];
  }

  /** The parameter name behind one of this store's tf.Variable names (keys of `tf.variableGrads`), or undefined. */
  paramName(variableName: string): string | undefined {
    return this.nameOfVar.get(variableName);
  }

  /**
   * Copies every parameter out as plain data (spec order). Asynchronous because WebGPU cannot read buffers back
   * synchronously (dataSync returns zeros there for larger tensors).
   */
  async serialise(): Promise<SerialisedParams> {
    return serialiseVariables(this.byName);
  }

  /** Overwrites every parameter from a record, with the same checks as `load`; nothing changes if a check fails. */
  assign(record: SerialisedParams): void {
    this.write(checkRecord(this.config, record));
  }

  /**
   * Overwrites the named parameters only (e.g. layers initialised from a pretrained encoder); all are checked first,
   * so nothing changes when one name or shape is wrong.
   * @throws AppError('bad-model') for a name the model lacks, a wrong shape or a non-finite value.
   */
  assignSome(record: SerialisedParams): void {
    const specs = new Map(paramSpecs(this.config).map((s) => [s.name, s]));
    this.write(
      Object.entries(record).map(([name, entry]) => {
        const fail = (msg: string): never => {
          throw new AppError('bad-model', `Cannot initialise MMER parameter "${name}": ${msg}.`);
        };
        const spec = specs.get(name) ?? fail('the model has no such parameter');
        return [spec, checkEntry(spec, entry, fail)] as const;
      }),
    );
  }

  private write(checked: readonly (readonly [ParamSpec, Float32Array])[]): void {
    for (const [spec, data] of checked) {
      const value = tf.tensor(data, [...spec.shape], 'float32');
      this.get(spec.name).assign(value);
      // assign() shares the data; the temporary tensor object itself must still be released.
      value.dispose();
    }
  }

  /** Frees every variable. */
  dispose(): void {
    this.derived.clear();
    for (const v of this.byName.values()) v.dispose();
    this.byName.clear();
    this.nameOfVar.clear();
  }
}

/** Checks one record entry against its spec (shape, size, finite values); `fail` words the error. */
function checkEntry(
  spec: ParamSpec,
  entry: { shape: number[]; data: Float32Array },
  fail: (msg: string) => never,
): Float32Array {
  const { shape, data } = entry;
  const sameShape = shape.length === spec.shape.length && shape.every((n, i) => n === spec.shape[i]);
  if (!sameShape)
    fail(`parameter "${spec.name}" has shape ${fmtShape(shape)} but the model expects ${fmtShape(spec.shape)}`);
  const size = spec.shape.reduce((a, b) => a * b, 1);
  if (!(data instanceof Float32Array) || data.length !== size)
    fail(`parameter "${spec.name}" should hold ${size} float32 values`);
  // One NaN would poison every output silently; catch it at load time instead.
  for (const x of data) if (!Number.isFinite(x)) fail(`parameter "${spec.name}" holds a non-finite value`);
  return data;
}

function checkRecord(config: MmerConfig, record: SerialisedParams): [ParamSpec, Float32Array][] {
  const bad = (msg: string): never => {
    throw new AppError('bad-model', `MMER checkpoint does not fit the model: ${msg}.`);
  };
  const specs = paramSpecs(config);
  const expected = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(record)) {
    if (!expected.has(name)) bad(`unexpected parameter "${name}" (is the configuration the one it was trained with?)`);
  }
  return specs.map((spec) => {
    const entry = Object.hasOwn(record, spec.name) ? record[spec.name] : undefined;
    if (entry === undefined) return bad(`missing parameter "${spec.name}" (expected shape ${fmtShape(spec.shape)})`);
    return [spec, checkEntry(spec, entry, bad)];
  });
}

/**
 * Value and gradients of a scalar loss with respect to every parameter of the store, keyed by parameter name.
 * Gradients must be registered with the engine first (`import '@tensorflow/tfjs-core/dist/register_all_gradients'`:
 * tfjs-core alone ships none). Parameters the loss does not reach are absent from the map. The caller disposes all.
 */
export function paramGrads(
  store: ParamStore,
  loss: () => tf.Scalar,
): { value: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const { value, grads } = tf.variableGrads(loss, store.variables());
  const named = new Map<string, tf.Tensor>();
  for (const [tfName, g] of Object.entries(grads)) {
    const name = store.paramName(tfName);
    if (name === undefined) g.dispose();
    else named.set(name, g);
  }
  return { value, grads: named };
}
