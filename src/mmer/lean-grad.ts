/**
 * Layers whose backward pass keeps fewer tensors than tfjs-core's autograd of the same ops would.
 *
 * tfjs-core keeps every input that an op's gradient is registered to save until the whole backward pass ends, and
 * several of those saves are never needed: Add keeps both operands only for their shapes, Mul keeps both for dropout
 * (the input is never read back), and the ops of GELU and LayerNorm each keep their own operand, four to six
 * activation-sized tensors per call. Here each of these layers is one `tf.customGrad` op that saves what its
 * backward formula reads (the bias add nothing, dropout its mask, GELU its input, LayerNorm the normalised input and
 * 1/σ) and recomputes the rest. The forward values are the same ops in the same order, so outputs are unchanged bit
 * for bit; the gradients are the same formulas factored by hand (float rounding may differ in the last bits).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Sums `dy` over its leading axes down to the shape of a vector broadcast along the last axis. */
function sumToLast(dy: tf.Tensor): tf.Tensor {
  return tf.sum(tf.reshape(dy, [-1, dy.shape[dy.rank - 1] ?? 1]), 0);
}

const biasAdd = tf.customGrad((x, b) => {
  const value = tf.add(x as tf.Tensor, b as tf.Tensor);
  // Nothing saved: the gradient of x is dy and that of b its sum over the leading axes. dy goes back as a clone
  // (a shared buffer, no copy): tfjs disposes an input's gradient when it adds a later contribution to it, which must
  // not dispose the gradient of another tensor.
  return { value, gradFunc: (dy: tf.Tensor) => [tf.clone(dy), sumToLast(dy)] };
});

/** x + b with `b` a vector along x's last axis; its backward pass keeps neither operand. */
export function addBias(x: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return biasAdd(x, b);
}

const sameShapeAdd = tf.customGrad((a, b) => ({
  value: tf.add(a as tf.Tensor, b as tf.Tensor),
  // One clone each, for the reason given at biasAdd.
  gradFunc: (dy: tf.Tensor) => [tf.clone(dy), tf.clone(dy)],
}));

/** a + b of one shape (a residual connection); its backward pass keeps neither operand. */
export function addResidual(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return sameShapeAdd(a, b);
}

/**
 * s / scale + mask, attention's score scaling and additive padding mask (a constant, so it gets no gradient); its
 * backward pass keeps neither the scores nor the mask.
 */
export function scaleAndMask(scores: tf.Tensor, scale: number, mask: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((s) => ({
    value: tf.add(tf.div(s as tf.Tensor, scale), mask),
    gradFunc: (dy: tf.Tensor) => tf.div(dy, scale),
  }));
  return op(scores);
}

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** f(x), freeing x once f has read it. */
function then(x: tf.Tensor, f: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  const y = f(x);
  x.dispose();
  return y;
}

const geluOp = tf.customGrad((x, save) => {
  const u = x as tf.Tensor;
  // The forward ops of the plain definition, in its order, so the values match it bit for bit.
  const value = tf.mul(tf.mul(u, 0.5), tf.add(tf.erf(tf.mul(u, Math.SQRT1_2)), 1));
  (save as tf.GradSaveFunc)([u]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [v] = saved as [tf.Tensor];
      // d/dx x·Φ(x) = Φ(x) + x·φ(x), with Φ(x) = (1 + erf(x/√2))/2 and φ(x) = exp(-x²/2)/√(2π). Each step frees
      // its operand at once (a tidy would hold all of them, each as large as the FFN's activations, to the end).
      const cdf = then(
        then(then(tf.mul(v, Math.SQRT1_2), tf.erf), (t) => tf.add(t, 1)),
        (t) => tf.mul(t, 0.5),
      );
      const pdf = then(
        then(
          then(tf.square(v), (t) => tf.mul(t, -0.5)),
          tf.exp,
        ),
        (t) => tf.div(t, SQRT_2PI),
      );
      const slope = then(
        then(pdf, (t) => tf.mul(v, t)),
        (t) => tf.add(cdf, t),
      );
      cdf.dispose();
      return then(slope, (t) => tf.mul(dy, t));
    },
  };
});

export function leanGelu(x: tf.Tensor): tf.Tensor {
  return geluOp(x);
}

/**
 * Inverted dropout with tf.dropout's mask (the same ops on the same seed, so the same values); the backward pass
 * keeps the scaled mask only, where tf.dropout's Mul would keep the input as well.
 */
export function leanDropout(x: tf.Tensor, rate: number, seed: string): tf.Tensor {
  const op = tf.customGrad((input, save) => {
    const keep = 1 - rate;
    const mask = tf.div(tf.floor(tf.add(tf.randomUniform(x.shape, 0, 1, 'float32', seed), keep)), keep);
    (save as tf.GradSaveFunc)([mask]);
    return {
      value: tf.mul(input as tf.Tensor, mask),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0] as tf.Tensor),
    };
  });
  return op(x);
}

/**
 * LayerNorm over the last axis with biased variance, y = (x - μ)/σ · g + b, σ = √(var + eps); the backward pass keeps
 * x̂ = (x - μ)/σ and 1/σ and computes dx = (1/σ)·(dx̂ - mean(dx̂) - x̂·mean(dx̂·x̂)) with dx̂ = dy·g, the gradient the
 * chain of plain ops gives, in one expression.
 */
export function leanLayerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor {
  const op = tf.customGrad((input, g, b, save) => {
    const xi = input as tf.Tensor;
    const axis = xi.rank - 1;
    const { mean, variance } = tf.moments(xi, axis, true);
    const inv = tf.rsqrt(tf.add(variance, eps));
    const normed = tf.mul(tf.sub(xi, mean), inv);
    (save as tf.GradSaveFunc)([normed, inv, g as tf.Tensor]);
    return {
      value: tf.add(tf.mul(normed, g as tf.Tensor), b as tf.Tensor),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, r, gv] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        // Operands freed as soon as read, as in the GELU above.
        const dxh = tf.mul(dy, gv);
        const proj = then(tf.mul(dxh, xh), (t) => tf.mean(t, axis, true));
        const centred = then(tf.mean(dxh, axis, true), (m) => tf.sub(dxh, m));
        dxh.dispose();
        const dx = then(
          then(
            then(proj, (p) => tf.mul(xh, p)),
            (t) => tf.sub(centred, t),
          ),
          (t) => tf.mul(r, t),
        );
        centred.dispose();
        return [dx, then(tf.mul(dy, xh), sumToLast), sumToLast(dy)];
      },
    };
  });
  return op(x, gain, bias);
}
