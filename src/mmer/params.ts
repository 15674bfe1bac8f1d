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
import { validateConfig, type MmerConfig } from './config';
import { DerivedWeights } from './derived-weights';
import { initialData, isTrainingOnly, paramSpecs, type ParamSpec } from './param-specs';

export { INIT_STD, isTrainingOnly, paramSpecs, type ParamInit, type ParamSpec } from './param-specs';

/** The plain-data form of a parameter set: what checkpoints store. Data is row-major float32. */
export type SerialisedParams = Record<string, { shape: number[]; data: Float32Array }>;

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

/**
 * Named trainable variables for one head. Dispose it when done: variables live outside tf.tidy. A store loaded
 * without the training-only parameters (`trainable` false) scores clips but cannot be trained as it is.
 */
export class ParamStore {
  private readonly byName = new Map<string, tf.Variable>();
  private readonly nameOfVar = new Map<string, string>();
  /** Products of this store's weights that inference reuses across clips (see derived-weights.ts). */
  readonly derived = new DerivedWeights();
  /** Whether the store holds every parameter, the training-only ones included. */
  readonly trainable: boolean;

  private constructor(
    readonly config: MmerConfig,
    entries: readonly (readonly [ParamSpec, Float32Array])[],
  ) {
    this.trainable = entries.some(([spec]) => isTrainingOnly(spec.name));
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
   * config's parameters with exactly its shapes, or all of them but the training-only ones (the store is then not
   * `trainable`).
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

  /**
   * Overwrites every parameter of the store from a record, with the same checks as `load`; nothing changes if a check
   * fails.
   */
  assign(record: SerialisedParams): void {
    const checked = checkRecord(this.config, record);
    if (checked.length !== this.byName.size) {
      const verb = checked.length < this.byName.size ? 'lacks' : 'adds';
      throw new AppError(
        'bad-model',
        `MMER checkpoint does not fit the model: it ${verb} the training-only parameters.`,
      );
    }
    this.write(checked);
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
  // One NaN would poison every output silently; catch it at load time instead. An indexed loop: for-of over the 32 M
  // values of a base-size head took 4x as long (about 0.25 s against 0.06 s in Node).
  for (let i = 0; i < data.length; i++)
    if (!Number.isFinite(data[i] ?? 0)) fail(`parameter "${spec.name}" holds a non-finite value`);
  return data;
}

/**
 * The record's parameters, checked against `config`: all of them, or all but the training-only ones when the record
 * holds none of those (a shipped head without its training file).
 */
function checkRecord(config: MmerConfig, record: SerialisedParams): [ParamSpec, Float32Array][] {
  const bad = (msg: string): never => {
    throw new AppError('bad-model', `MMER checkpoint does not fit the model: ${msg}.`);
  };
  const all = paramSpecs(config);
  const withTraining = all.some((s) => isTrainingOnly(s.name) && Object.hasOwn(record, s.name));
  const specs = withTraining ? all : all.filter((s) => !isTrainingOnly(s.name));
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
