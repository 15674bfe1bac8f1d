/**
 * A head shipped with float16 weights (`npm run ship-head -- --f16`; the bench's base-size head) downloads half the
 * bytes and scores like its float32 original: the writer rounds to nearest even, the reader widens back, and the
 * scores of the same features stay within float16 rounding.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { floatToHalf, halfToFloat, halvesToFloats } from '../../src/core/half';
import { decodeSafetensors, encodeSafetensors } from '../../src/mmer/safetensors';
import { storedHeadScores } from './stored-head-scores';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('float16 bits', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [1e6, 0x7c00],
    [2 ** -24, 0x0001],
    [2 ** -26, 0x0000],
    [1 + 2 ** -11, 0x3c00],
    [1 + 3 * 2 ** -11, 0x3c02],
  ])('%f is stored as %i (rounded to nearest even)', (value, bits) => {
    expect(floatToHalf(value)).toBe(bits);
  });

  it('reads back every finite half exactly', () => {
    let wrong = 0;
    for (let h = 0; h < 0x10000; h++) {
      const v = halfToFloat(h);
      if (Number.isFinite(v) && floatToHalf(v) !== h && !(v === 0 && (h & 0x7fff) === 0)) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it('widens many halves through its table exactly as one at a time, NaN, infinities and -0 included', () => {
    const words = new Uint16Array(0x10000 + 3).map((_, i) => i & 0xffff);
    const wide = halvesToFloats(words);
    let wrong = 0;
    for (let i = 0; i < words.length; i++) {
      const want = Math.fround(halfToFloat(words[i] ?? 0));
      if (!Object.is(wide[i], want)) wrong++;
    }
    expect(wide.length).toBe(words.length);
    expect(wrong).toBe(0);
  });
});

describe('a head stored as float16', () => {
  it('writes two bytes a value and reads back the rounded values', () => {
    const data = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3);
    const bytes = encodeSafetensors({ w: { shape: [10, 100], data } }, { format: 'mmer-head' }, 'F16');
    const wide = encodeSafetensors({ w: { shape: [10, 100], data } }, { format: 'mmer-head' });
    expect(wide.byteLength - bytes.byteLength).toBeGreaterThanOrEqual(2000 - 8);
    const back = decodeSafetensors(bytes).tensors.w?.data ?? new Float32Array(0);
    expect(Array.from(back)).toEqual(Array.from(data, (x) => halfToFloat(floatToHalf(x))));
  });

  it('scores the same clips as its float32 original, within float16 rounding', async () => {
    const { wide, narrow: half, wideBytes, narrowBytes } = await storedHeadScores('F16', 6, 3);
    expect(narrowBytes).toBeLessThan(0.51 * wideBytes + 4096);
    let worst = 0;
    wide.forEach((w, i) => {
      w.scores.forEach((s, k) => (worst = Math.max(worst, Math.abs(s - (half[i]?.scores[k] ?? Number.NaN)))));
    });
    expect(worst).toBeLessThan(5e-3);
    expect(worst).toBeGreaterThan(0);
  });
});
