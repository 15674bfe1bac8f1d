/**
 * A head shipped with float16 weights (`npm run ship-head -- --f16`; the bench's base-size head) downloads half the
 * bytes and scores like its float32 original: the writer rounds to nearest even, the reader widens back, and the
 * scores of the same features stay within float16 rounding.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { floatToHalf, halfToFloat, halvesToFloats } from '../../src/core/half';
import { mulberry32 } from '../../src/core/rng';
import type { FeatureMatrix } from '../../src/encoders/types';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/mmer/checkpoint';
import { ParamStore } from '../../src/mmer/params';
import { decodeSafetensors, encodeSafetensors } from '../../src/mmer/safetensors';
import { predict } from '../../src/mmer/trainer';
import { fixtureHeadManifest } from '../../tools/fixtures/head';

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
    const manifest = fixtureHeadManifest();
    const params = ParamStore.init(manifest.config, 11);
    const f32 = await encodeCheckpoint(manifest, params, 'F32');
    const f16 = await encodeCheckpoint(manifest, params, 'F16');
    params.dispose();
    expect(f16.safetensors.byteLength).toBeLessThan(0.51 * f32.safetensors.byteLength + 4096);
    const rand = mulberry32(3);
    const matrix = (rows: number, dim: number): FeatureMatrix => ({
      rows,
      dim,
      data: Float32Array.from({ length: rows * dim }, () => rand() * 2 - 1),
    });
    const clips = Array.from({ length: 6 }, () => ({
      audio: matrix(40, manifest.config.audioDim),
      text: matrix(7, manifest.config.textDim),
    }));
    const scores = async (files: { configJson: string; safetensors: Uint8Array }) => {
      const { manifest: m, params: p } = decodeCheckpoint(files.configJson, files.safetensors);
      try {
        return await predict(p, m.config, clips);
      } finally {
        p.dispose();
      }
    };
    const wide = await scores(f32);
    const half = await scores(f16);
    let worst = 0;
    wide.forEach((w, i) => {
      w.scores.forEach((s, k) => (worst = Math.max(worst, Math.abs(s - (half[i]?.scores[k] ?? Number.NaN)))));
    });
    expect(worst).toBeLessThan(5e-3);
    expect(worst).toBeGreaterThan(0);
  });
});
