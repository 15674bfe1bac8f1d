/**
 * A replacement for tfjs-core's BatchMatMul gradient. The stock gradient multiplies with the transpose flags set
 * (dA = dy·Bᵀ, dB = Aᵀ·dy), and tfjs-backend-wasm only reaches its fast (XNNPACK) path for plain 2-D products:
 * measured on this project's 2-core machine, [256×952]ᵀ·[952... ] style products ran at 0.8 GFLOP/s with transposeA
 * and 2.8 GFLOP/s with transposeB, against 14-20 GFLOP/s when the transpose is materialised first. Every linear
 * layer's backward pass is such a product, so this one change decides the training speed on WASM.
 *
 * Batched (rank > 2) products keep the flags: they are attention's small per-head matrices, where the flag path was
 * as fast as an explicit transpose. The maths is the stock gradient's, term for term.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Transpose of the last two axes of a rank-2 tensor, materialised; other ranks pass through untouched. */
function plainProduct(x: tf.Tensor, transposed: boolean): { x: tf.Tensor; flag: boolean } {
  if (!transposed || x.rank !== 2) return { x, flag: transposed };
  return { x: tf.transpose(x), flag: false };
}

/** matMul(a, b, ta, tb), with 2-D transposes done as copies so WASM takes its fast path. */
export function matMulPlain(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  const pa = plainProduct(a, transposeA);
  const pb = plainProduct(b, transposeB);
  return tf.matMul(pa.x, pb.x, pa.flag, pb.flag);
}

let registered = false;

/** Installs the gradient (once; later calls do nothing). Call after tfjs-core's own gradients are registered. */
export function useFastMatMulGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: tf.BatchMatMul,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      const g = dy as tf.Tensor;
      if (!transposeA && !transposeB)
        return { a: () => matMulPlain(g, b, false, true), b: () => matMulPlain(a, g, true, false) };
      if (!transposeA) return { a: () => matMulPlain(g, b, false, false), b: () => matMulPlain(g, a, true, false) };
      if (!transposeB) return { a: () => matMulPlain(b, g, false, true), b: () => matMulPlain(a, g, false, false) };
      return { a: () => matMulPlain(b, g, true, true), b: () => matMulPlain(g, a, true, true) };
    },
  });
}
