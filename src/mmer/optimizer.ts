/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter) with linear warm-up, gradient accumulation and clipping by
 * global norm, over a ParamStore. Written on tfjs ops because tfjs-core ships Adam but not AdamW.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from './params';

export interface AdamWOptions {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Steps of linear warm-up from 0 to `lr`. */
  readonly warmupSteps: number;
  /** Clip the global gradient norm to this (0 = no clipping). */
  readonly clipNorm: number;
}

/** The authors' learning rate (5e-5 for a full wav2vec2 fine-tune); heads on frozen features take larger ones. */
export const DEFAULT_ADAMW: AdamWOptions = { lr: 5e-5, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, warmupSteps: 0, clipNorm: 1 };

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

  /** Learning rate at the next step (after warm-up). */
  currentLr(): number {
    const { lr, warmupSteps } = this.options;
    return warmupSteps > 0 ? lr * Math.min(1, (this.step + 1) / warmupSteps) : lr;
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
    const squared = tf.tidy(() => tf.addN([...this.acc.values()].map((g) => tf.sum(tf.square(g)))));
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
      if (m1 === undefined || v1 === undefined || p1 === undefined) throw new Error('AdamW: update produced no tensors');
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

  /** Frees the optimizer state. */
  dispose(): void {
    for (const map of [this.m, this.v, this.acc]) {
      for (const t of map.values()) t.dispose();
      map.clear();
    }
  }
}
