/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter) with linear warm-up, gradient accumulation and clipping by
 * global norm, over a ParamStore. Written on tfjs ops because tfjs-core ships Adam but not AdamW.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AppError } from '../core/errors';
import type { ParamStore, SerialisedParams } from './params';

/**
 * The optimizer's state as plain data: the step count (which drives warm-up and bias correction) and Adam's moments,
 * named `m.<param>` and `v.<param>`. Accumulated gradients are not part of it: it is taken between optimizer steps.
 */
export interface AdamWState {
  readonly step: number;
  readonly tensors: SerialisedParams;
}

export interface AdamWOptions {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Steps of linear warm-up from 0 to `lr`. */
  readonly warmupSteps: number;
  /**
   * Total optimizer steps of the run for a cosine decay of the rate from `lr` (after warm-up) to 0 at the last step;
   * 0 keeps `lr` constant. The end of a run then takes ever smaller steps instead of swinging from epoch to epoch.
   */
  readonly decaySteps: number;
  /** Clip the global gradient norm to this (0 = no clipping). */
  readonly clipNorm: number;
}

/** The authors' learning rate (5e-5 for a full wav2vec2 fine-tune); heads on frozen features take larger ones. */
export const DEFAULT_ADAMW: AdamWOptions = {
  lr: 5e-5,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.01,
  warmupSteps: 0,
  decaySteps: 0,
  clipNorm: 1,
};

/** Biases and LayerNorm parameters are not decayed (decay would pull gains towards zero). */
function decays(name: string): boolean {
  return !name.endsWith('.bias') && !/_ln\.|layer_?norm/i.test(name);
}

function zeroVariable(like: tf.Tensor): tf.Variable {
  const zeros = tf.zerosLike(like);
  const variable = tf.variable(zeros, false);
  zeros.dispose();
  return variable;
}

export class AdamW {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private readonly acc = new Map<string, tf.Variable>();
  private accumulated = 0;
  /** Optimizer steps taken (not micro-batches). */
  step = 0;
  readonly options: AdamWOptions;

  constructor(
    private readonly params: ParamStore,
    options: Partial<AdamWOptions> = {},
  ) {
    this.options = { ...DEFAULT_ADAMW, ...options };
  }

  /** Learning rate at the next step: warm-up, then constant or cosine decay (`decaySteps`). */
  currentLr(): number {
    const { lr, warmupSteps, decaySteps } = this.options;
    const warm = warmupSteps > 0 ? Math.min(1, (this.step + 1) / warmupSteps) : 1;
    if (decaySteps <= 0) return lr * warm;
    // Step k (0-based) of the n after warm-up runs at t = (k + 1) / (n + 1): the last one gets a rate just above 0.
    const t = Math.min(1, Math.max(0, (this.step - warmupSteps + 1) / (Math.max(0, decaySteps - warmupSteps) + 1)));
    return lr * warm * 0.5 * (1 + Math.cos(Math.PI * t));
  }

  /** Adds one micro-batch's gradients (scaled by `scale`, e.g. 1/accumulation) to the running sum; disposes them. */
  accumulate(grads: ReadonlyMap<string, tf.Tensor>, scale = 1): void {
    for (const [name, g] of grads) {
      const slot = this.acc.get(name);
      if (slot === undefined) {
        const first = tf.mul(g, scale);
        this.acc.set(name, tf.variable(first, false));
        first.dispose();
      } else {
        const next = tf.tidy(() => tf.add(slot, tf.mul(g, scale)));
        slot.assign(next);
        next.dispose();
      }
      g.dispose();
    }
    this.accumulated += 1;
  }

  /** Applies the accumulated gradients and clears them. Resolves to the global gradient norm before clipping. */
  async apply(): Promise<number> {
    if (this.accumulated === 0) return 0;
    const { beta1, beta2, eps, weightDecay, clipNorm } = this.options;
    const lr = this.currentLr();
    this.step += 1;
    // Added one by one, not with tf.addN: tfjs-webgpu's AddN returns garbage, silently, past 7 inputs (one storage
    // buffer per input, 8 per shader stage by default), and a head has over a hundred gradients.
    const squared = tf.tidy(() =>
      [...this.acc.values()].map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b), tf.scalar(0)),
    );
    // Read asynchronously: WebGPU has no synchronous readback (dataSync yields zeros there).
    const norm = Math.sqrt((await squared.data())[0] ?? 0);
    squared.dispose();
    const scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
    const bias1 = 1 - beta1 ** this.step;
    const bias2 = 1 - beta2 ** this.step;
    for (const [name, gradVar] of this.acc) {
      const p = this.params.get(name);
      const m = this.m.get(name) ?? zeroVariable(p);
      const v = this.v.get(name) ?? zeroVariable(p);
      this.m.set(name, m);
      this.v.set(name, v);
      // New values are computed in a tidy and assigned outside it, then released: assign() shares their data.
      const [m1, v1, p1] = tf.tidy((): tf.Tensor[] => {
        const g = tf.mul(gradVar, scale);
        const mNext = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const vNext = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const update = tf.div(tf.div(mNext, bias1), tf.add(tf.sqrt(tf.div(vNext, bias2)), eps));
        const decayed = decays(name) && weightDecay > 0 ? tf.mul(p, 1 - lr * weightDecay) : p;
        return [mNext, vNext, tf.sub(decayed, tf.mul(update, lr))];
      });
      if (m1 === undefined || v1 === undefined || p1 === undefined)
        throw new Error('AdamW: update produced no tensors');
      m.assign(m1);
      v.assign(v1);
      p.assign(p1);
      tf.dispose([m1, v1, p1]);
      gradVar.dispose();
    }
    this.acc.clear();
    this.accumulated = 0;
    return norm;
  }

  /**
   * Copies the step count and moments out (asynchronously: WebGPU has no synchronous readback), so a later run can
   * continue the same schedule with `importState`.
   */
  async exportState(): Promise<AdamWState> {
    const tensors: SerialisedParams = {};
    for (const [prefix, map] of [
      ['m', this.m],
      ['v', this.v],
    ] as const) {
      for (const [name, t] of map)
        tensors[`${prefix}.${name}`] = { shape: [...t.shape], data: new Float32Array(await t.data()) };
    }
    return { step: this.step, tensors };
  }

  /**
   * Replaces the step count and moments with an exported state. Everything is checked before anything changes.
   * @throws AppError('bad-model') for a moment of a parameter the model lacks, of the wrong shape, or not finite.
   */
  importState(state: AdamWState): void {
    if (!Number.isInteger(state.step) || state.step < 0)
      throw new AppError('bad-model', `Cannot resume the optimizer: step ${String(state.step)} is not a step count.`);
    const checked: [Map<string, tf.Variable>, string, readonly number[], Float32Array][] = [];
    for (const [key, entry] of Object.entries(state.tensors)) {
      const fail = (msg: string): never => {
        throw new AppError('bad-model', `Cannot resume the optimizer: state "${key}" ${msg}.`);
      };
      const match = /^([mv])\.(.+)$/.exec(key);
      const name = match?.[2] ?? fail('is not a moment of a parameter');
      const map = match?.[1] === 'm' ? this.m : this.v;
      if (!this.params.has(name)) fail('belongs to a parameter the model does not have');
      const shape = this.params.get(name).shape;
      if (entry.shape.length !== shape.length || entry.shape.some((n, i) => n !== shape[i]))
        fail(`has shape [${entry.shape.join(', ')}], expected [${shape.join(', ')}]`);
      if (entry.data.length !== shape.reduce((a, b) => a * b, 1) || entry.data.some((x) => !Number.isFinite(x)))
        fail('holds the wrong number of values or a non-finite one');
      checked.push([map, name, shape, entry.data]);
    }
    for (const map of [this.m, this.v]) {
      for (const t of map.values()) t.dispose();
      map.clear();
    }
    for (const [map, name, shape, data] of checked) {
      const value = tf.tensor(data, [...shape], 'float32');
      map.set(name, tf.variable(value, false));
      value.dispose();
    }
    this.step = state.step;
  }

  /** Frees the optimizer state. */
  dispose(): void {
    for (const map of [this.m, this.v, this.acc]) {
      for (const t of map.values()) t.dispose();
      map.clear();
    }
  }
}
