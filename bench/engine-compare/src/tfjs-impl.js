// TensorFlow.js side: matmul micro-benchmark and one BERT-block training step (forward + backward).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { BERT, BERT_PARAM_NAMES } from './common.js';

// --- The project's BatchMatMul gradient trick (same idea as src/mmer/matmul-grad.ts):
// materialise 2-D transposes so tfjs-backend-wasm takes its fast (XNNPACK) path; batched products keep the flags.
function plainProduct(x, transposed) {
  if (!transposed || x.rank !== 2) return { x, flag: transposed };
  return { x: tf.transpose(x), flag: false };
}
function matMulPlain(a, b, ta, tb) {
  const pa = plainProduct(a, ta);
  const pb = plainProduct(b, tb);
  return tf.matMul(pa.x, pb.x, pa.flag, pb.flag);
}
let registered = false;
export function useFastMatMulGradient() {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: tf.BatchMatMul,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved;
      const { transposeA, transposeB } = attrs;
      const g = dy;
      if (!transposeA && !transposeB)
        return { a: () => matMulPlain(g, b, false, true), b: () => matMulPlain(a, g, true, false) };
      if (!transposeA) return { a: () => matMulPlain(g, b, false, false), b: () => matMulPlain(g, a, true, false) };
      if (!transposeB) return { a: () => matMulPlain(b, g, false, true), b: () => matMulPlain(a, g, false, false) };
      return { a: () => matMulPlain(b, g, true, true), b: () => matMulPlain(g, a, true, true) };
    },
  });
}

async function readAll(named) {
  const out = {};
  const names = Object.keys(named);
  const datas = await Promise.all(names.map((n) => named[n].data()));
  names.forEach((n, i) => {
    out[n] = datas[i];
    named[n].dispose();
  });
  return out;
}

/** Uploads the matmul inputs to the current backend; returns the engine closures. */
export function tfMatmul(data) {
  const a = tf.tensor(data.a.data, data.a.shape);
  const b = tf.tensor(data.b.data, data.b.shape);
  const c = tf.tensor(data.c.data, data.c.shape);
  const gradFn = tf.grads((x, y) => tf.sum(tf.mul(tf.matMul(x, y), c)));
  return {
    forward: async () => readAll({ y: tf.matMul(a, b) }),
    grad: async () => {
      const [ga, gb] = gradFn([a, b]);
      return readAll({ da: ga, db: gb });
    },
    dispose: () => tf.dispose([a, b, c]),
  };
}

function linear(x, w, b) {
  return tf.add(tf.matMul(x, w), b);
}
function layerNorm(x, g, b, eps) {
  const { mean, variance } = tf.moments(x, x.rank - 1, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normed, g), b);
}
function gelu(x) {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

/** Post-LN BERT self-attention block on x [B,T,D] (no mask, no dropout); returns [B*T, D]. */
export function tfBlock(p, x) {
  const { batch: B, seq: T, d: D, heads: H, eps } = BERT;
  const dh = D / H;
  const x2 = tf.reshape(x, [B * T, D]);
  const split = (y) => tf.transpose(tf.reshape(y, [B, T, H, dh]), [0, 2, 1, 3]);
  const q = split(linear(x2, p.wq, p.bq));
  const k = split(linear(x2, p.wk, p.bk));
  const v = split(linear(x2, p.wv, p.bv));
  const scores = tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh));
  const probs = tf.softmax(scores, -1);
  const ctx = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [B * T, D]);
  const attn = linear(ctx, p.wo, p.bo);
  const h = layerNorm(tf.add(x2, attn), p.g1, p.be1, eps);
  const inner = gelu(linear(h, p.w1, p.b1));
  const out = linear(inner, p.w2, p.b2);
  return layerNorm(tf.add(h, out), p.g2, p.be2, eps);
}

export function tfBert(data) {
  const tensors = BERT_PARAM_NAMES.map((n) => tf.tensor(data.params[n].data, data.params[n].shape));
  const x = tf.tensor(data.x.data, data.x.shape);
  const f = (...ws) => {
    const p = {};
    BERT_PARAM_NAMES.forEach((n, i) => {
      p[n] = ws[i];
    });
    return tf.mean(tf.square(tfBlock(p, x)));
  };
  const vg = tf.valueAndGrads(f);
  return {
    step: async () => {
      const { value, grads } = vg(tensors);
      const named = { loss: value };
      BERT_PARAM_NAMES.forEach((n, i) => {
        named[n] = grads[i];
      });
      return readAll(named);
    },
    dispose: () => tf.dispose([...tensors, x]),
  };
}
