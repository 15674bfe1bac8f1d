/**
 * Loss and gradients of one training batch, with the two views (original and augmented) either on one autograd tape
 * or one after the other.
 *
 * tfjs-core keeps every tensor a gradient needs, and every gradient it computes, until the whole backward pass ends,
 * so a step's memory is that of both views' forward and backward at once. ACL couples the views only through the
 * augmented projection z_aug, so the 'sequential' schedule splits the tape there (as GradCache does for contrastive
 * batches): z_aug is computed without a tape, the original view's loss is differentiated with z_aug as an input
 * (which gives dL/dz_aug), and the augmented view is then run again on its own tape with dL/dz_aug as its upstream
 * gradient. Dropout masks depend only on (seed, site, shape), so the re-run is the same function: loss and gradients
 * are the joint schedule's bit for bit (each parameter gets the same two per-view contributions, summed the other way
 * round, and float addition commutes; step.test.ts checks it on cpu and wasm). The price is one more forward pass of
 * the augmented view, ~15 % more CPU per step at base size on wasm; the wasm heap peak drops from 1.9 to 1.3 GiB at
 * batch 8 (with lean-grad.ts; 3.2 to 1.9 GiB before it).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MmerConfig } from './config';
import { paramGrads, type ParamStore } from './params';
import {
  augmentedProjection,
  multitaskLoss,
  usesAugmentedView,
  type LossParts,
  type LossWeights,
  type TrainExample,
} from './multitask';

/** 'joint': both views on one tape; 'sequential': one view's tape at a time (about half the memory, one more pass). */
export type ViewSchedule = 'joint' | 'sequential';

/** The loss (the caller disposes it) and the gradient of every parameter it reaches, keyed by parameter name. */
export interface StepGrads {
  readonly value: tf.Scalar;
  readonly grads: Map<string, tf.Tensor>;
}

/**
 * Value and parameter gradients of `multitaskLoss` on one batch. `parts` receives the loss components as in
 * `multitaskLoss`. Batches without an augmented view (or without ACL) have one view: both schedules are then the same.
 */
export function stepGrads(
  params: ParamStore,
  config: MmerConfig,
  examples: readonly TrainExample[],
  weights: LossWeights,
  seed: number,
  parts: Map<keyof LossParts, tf.Scalar>,
  schedule: ViewSchedule = 'joint',
): StepGrads {
  if (schedule === 'joint' || !usesAugmentedView(examples, weights)) {
    return paramGrads(params, () => multitaskLoss(params, config, examples, weights, seed, parts));
  }
  // Outside any tape: nothing of this forward pass is kept.
  const zAug = augmentedProjection(params, config, examples, seed);
  const zInput = tf.variable(zAug, true);
  zAug.dispose();
  let upstream: tf.Tensor | undefined;
  let first: StepGrads;
  try {
    const { value, grads } = tf.variableGrads(
      () => multitaskLoss(params, config, examples, weights, seed, parts, zInput),
      [...params.variables(), zInput],
    );
    upstream = grads[zInput.name];
    const named = new Map<string, tf.Tensor>();
    for (const [tfName, g] of Object.entries(grads)) {
      const name = params.paramName(tfName);
      if (name === undefined) {
        if (g !== upstream) g.dispose();
      } else named.set(name, g);
    }
    first = { value, grads: named };
  } finally {
    zInput.dispose();
  }
  if (upstream === undefined) return first;
  const dz = upstream;
  // sum(z · dL/dz) has gradient dL/dz with respect to z: the augmented view's backward pass on its own tape.
  const second = paramGrads(params, () => tf.sum(tf.mul(augmentedProjection(params, config, examples, seed), dz)));
  tf.dispose([second.value, dz]);
  for (const [name, g] of second.grads) {
    const other = first.grads.get(name);
    if (other === undefined) first.grads.set(name, g);
    else {
      first.grads.set(name, tf.add(other, g));
      tf.dispose([other, g]);
    }
  }
  return first;
}
