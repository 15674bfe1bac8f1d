/**
 * An exponential moving average of a head's parameters over optimizer steps ("EMA" weights). Validation scores of
 * one epoch's raw weights swing by several points from epoch to epoch on a few hundred clips; the average follows the
 * same run but smooths that noise, so the weights that are scored and kept are the average's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AppError } from '../core/errors';
import { serialiseVariables, type ParamStore, type SerialisedParams } from './params';

/** The average of `params` after every optimizer step, with a swap to score it in place of the raw weights. */
export class ParamAverage {
  private readonly shadow = new Map<string, tf.Variable>();
  private swapped = false;

  /**
   * @param decay weight of the old average at each step, in [0, 1): 0.995 averages over roughly the last 200 steps.
   * @param from the average to go on from (a resumed run); absent: the current parameters.
   */
  constructor(
    private readonly params: ParamStore,
    private readonly decay: number,
    from?: SerialisedParams,
  ) {
    if (!(decay >= 0 && decay < 1))
      throw new AppError('training', `The weight-average decay must be in [0, 1); got ${decay}.`);
    for (const name of params.names()) {
      const live = params.get(name);
      const saved = from?.[name];
      const initial = saved === undefined ? live.clone() : tf.tensor(saved.data, saved.shape, 'float32');
      if (!tf.util.arraysEqual(initial.shape, live.shape))
        throw new AppError('bad-model', `The stored weight average of "${name}" has the wrong shape.`);
      this.shadow.set(name, tf.variable(initial, false));
      initial.dispose();
    }
  }

  /** Folds the current parameters into the average (call after each optimizer step, never while swapped). */
  update(): void {
    if (this.swapped)
      throw new AppError('internal', 'The weight average was updated while it stood in for the parameters.');
    tf.tidy(() => {
      for (const [name, avg] of this.shadow)
        avg.assign(tf.add(tf.mul(avg, this.decay), tf.mul(this.params.get(name), 1 - this.decay)));
    });
  }

  /** Exchanges the parameters and the average: the store then holds the average (or, swapped back, the raw weights). */
  swap(): void {
    for (const [name, avg] of this.shadow) {
      const live = this.params.get(name);
      const raw = live.clone();
      live.assign(avg);
      avg.assign(raw);
      raw.dispose();
    }
    this.swapped = !this.swapped;
  }

  /** Whether the store holds the average now. */
  get averaged(): boolean {
    return this.swapped;
  }

  /** The raw (trained) weights as plain data, wherever they stand now. */
  async raw(): Promise<SerialisedParams> {
    return this.swapped ? serialiseVariables(this.shadow) : this.params.serialise();
  }

  /** The average as plain data, wherever it stands now. */
  async average(): Promise<SerialisedParams> {
    return this.swapped ? this.params.serialise() : serialiseVariables(this.shadow);
  }

  dispose(): void {
    for (const v of this.shadow.values()) v.dispose();
    this.shadow.clear();
  }
}
