import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers no gradients by itself; training code has to import them the same way.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { DEFAULT_CONFIG, liteConfig, validateConfig, type MmerConfig } from '../../src/mmer/config';
import { disposeMmerOutputs, mmerForward, type MmerBatch, type MmerOutputs } from '../../src/mmer/head';
import { ParamStore, paramGrads, paramSpecs, type SerialisedParams } from '../../src/mmer/params';

// ------------------------------------------------------------------ reference fixture (tools/reference/head.py)

interface Enc {
  shape: number[];
  b64: string;
}
interface RefCase {
  name: string;
  config: MmerConfig;
  inputs: Record<'audio' | 'audioMask' | 'text' | 'textMask', Enc>;
  outputs: Record<string, Enc>;
}
interface RefDoc {
  params: Record<string, Enc>;
  cases: RefCase[];
}

const ref = JSON.parse(readFileSync(new URL('../fixtures/reference/head.json', import.meta.url), 'utf8')) as RefDoc;

function decode(e: Enc): Float32Array {
  const bytes = Buffer.from(e.b64, 'base64');
  // Copy: a Buffer's offset into its pool need not be 4-byte aligned.
  return new Float32Array(new Uint8Array(bytes).buffer);
}

function refCase(name: string): RefCase {
  const c = ref.cases.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no reference case ${name}`);
  return c;
}

/** The fixture's weights restricted to the parameters of `config` (the frozen case uses a subset). */
function recordFor(config: MmerConfig): SerialisedParams {
  const out: SerialisedParams = {};
  for (const { name } of paramSpecs(config)) {
    const e = ref.params[name];
    if (e === undefined) throw new Error(`fixture lacks ${name}`);
    out[name] = { shape: e.shape, data: decode(e) };
  }
  return out;
}

function batchOf(c: RefCase): MmerBatch {
  const t = (e: Enc) => tf.tensor(decode(e), e.shape);
  return {
    audio: t(c.inputs.audio) as tf.Tensor3D,
    audioMask: t(c.inputs.audioMask) as tf.Tensor2D,
    text: t(c.inputs.text) as tf.Tensor3D,
    textMask: t(c.inputs.textMask) as tf.Tensor2D,
  };
}

function disposeBatch(b: MmerBatch): void {
  tf.dispose([b.audio, b.audioMask, b.text, b.textMask]);
}

/** Largest |a - b| scaled by max(1, |b|), so large logits get a relative and small states an absolute tolerance. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    const r = b[i] ?? 0;
    m = Math.max(m, Math.abs((a[i] ?? 0) - r) / Math.max(1, Math.abs(r)));
  }
  return m;
}

/** The first `len` positions of batch row b of a [B, T, D] tensor. */
function rows(t: tf.Tensor, b: number, len: number): ArrayLike<number> {
  return tf.tidy(() => tf.slice(t, [b, 0, 0], [1, len, -1]).dataSync());
}

const projected = refCase('projected');
const frozen = refCase('frozen');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// ------------------------------------------------------------------ 1. parity with PyTorch

describe('mmerForward matches the PyTorch reference', () => {
  it.each([projected, frozen])('$name', (c) => {
    const store = ParamStore.load(c.config, recordFor(c.config));
    const batch = batchOf(c);
    const out = mmerForward(store, c.config, batch, { training: false });
    const projOrig = out.projection(out.pooled, 'orig');
    const projAug = out.projection(out.pooled, 'aug');
    const ctcLogits = out.ctcLogits();
    const { logits, pooled, audioStates, gate } = out;
    const got: Record<string, tf.Tensor> = { logits, pooled, audioStates, ctcLogits, gate, projOrig, projAug };
    const diffs: Record<string, number> = {};
    for (const [key, e] of Object.entries(c.outputs)) {
      const t = got[key];
      if (t === undefined) throw new Error(`no output ${key}`);
      expect(t.shape).toEqual(e.shape);
      diffs[key] = maxDiff(t.dataSync(), decode(e));
    }
    console.log(`head parity (${c.name}), max |tfjs - torch| / max(1, |torch|):`, diffs);
    for (const d of Object.values(diffs)) expect(d).toBeLessThan(1e-4);
    disposeMmerOutputs(out);
    tf.dispose([projOrig, projAug, ctcLogits]);
    disposeBatch(batch);
    store.dispose();
  });
});

// ------------------------------------------------------------------ 2. masks

describe('padding', () => {
  it('changing padded frames and tokens changes no output at valid positions', () => {
    const c = projected;
    const store = ParamStore.load(c.config, recordFor(c.config));
    const a = batchOf(c);
    const noisy = (x: tf.Tensor3D, mask: tf.Tensor2D, scale: number) =>
      tf.tidy<tf.Tensor3D>(() => {
        const pad = tf.expandDims(tf.sub(1, mask), 2);
        return tf.add(tf.mul(x, tf.expandDims(mask, 2)), tf.mul(pad, tf.randomNormal(x.shape, 0, scale, 'float32', 5)));
      });
    const b: MmerBatch = { ...a, audio: noisy(a.audio, a.audioMask, 300), text: noisy(a.text, a.textMask, 300) };
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a.audio, b.audio))).dataSync()[0])).toBeGreaterThan(1);
    const oa = mmerForward(store, c.config, a, { training: false });
    const ob = mmerForward(store, c.config, b, { training: false });
    const [ctcA, ctcB] = [oa.ctcLogits(), ob.ctcLogits()];
    expect(maxDiff(ob.logits.dataSync(), oa.logits.dataSync())).toBeLessThan(1e-6);
    expect(maxDiff(ob.pooled.dataSync(), oa.pooled.dataSync())).toBeLessThan(1e-6);
    const audioLens = Array.from(tf.tidy(() => tf.sum(a.audioMask, 1).dataSync()));
    const textLens = Array.from(tf.tidy(() => tf.sum(a.textMask, 1).dataSync()));
    for (let i = 0; i < 2; i++) {
      const la = audioLens[i] ?? 0;
      const lt = textLens[i] ?? 0;
      for (const [x, y] of [
        [oa.audioStates, ob.audioStates],
        [ctcA, ctcB],
      ] as const) {
        expect(maxDiff(rows(y, i, la), rows(x, i, la))).toBeLessThan(1e-6);
      }
      expect(maxDiff(rows(ob.gate, i, lt), rows(oa.gate, i, lt))).toBeLessThan(1e-6);
    }
    for (const o of [oa, ob]) disposeMmerOutputs(o);
    tf.dispose([ctcA, ctcB]);
    disposeBatch(a);
    tf.dispose([b.audio, b.text]);
    store.dispose();
  });
});

// ------------------------------------------------------------------ 3-5. gradients, dropout, leaks

/** A fixed random linear functional of every output, so every parameter (projection heads included) is reached. */
function probeLoss(store: ParamStore, config: MmerConfig, batch: MmerBatch, weights: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    const out = mmerForward(store, config, batch, { training: false });
    const parts = [out.logits, out.ctcLogits(), out.projection(out.pooled, 'orig'), out.projection(out.pooled, 'aug')];
    return tf.addN(parts.map((p, i) => tf.sum(tf.mul(p, weights[i] ?? 0)))) as tf.Scalar;
  });
}

function probeWeights(out: MmerOutputs, d: number): tf.Tensor[] {
  const [b] = out.logits.shape;
  const ctc = out.ctcLogits();
  const ctcShape = ctc.shape;
  ctc.dispose();
  return [out.logits.shape, ctcShape, [b, d], [b, d]].map((s, i) => tf.randomUniform(s, -1, 1, 'float32', 100 + i));
}

describe('gradients', () => {
  const c = projected;
  let store: ParamStore;
  let batch: MmerBatch;
  let weights: tf.Tensor[];
  beforeAll(() => {
    store = ParamStore.load(c.config, recordFor(c.config));
    batch = batchOf(c);
    const out = mmerForward(store, c.config, batch, { training: false });
    weights = probeWeights(out, c.config.hidden);
    disposeMmerOutputs(out);
  });

  it('reach every parameter with finite values; only attention key biases get (analytically) zero', () => {
    const { value, grads } = paramGrads(store, () => probeLoss(store, c.config, batch, weights));
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    expect([...grads.keys()].sort()).toEqual(store.names().sort());
    let largest = 0;
    const scale = new Map<string, number>();
    for (const [name, g] of grads) {
      const data = Array.from(g.dataSync());
      expect(data.every(Number.isFinite), name).toBe(true);
      const m = data.reduce((acc, x) => Math.max(acc, Math.abs(x)), 0);
      scale.set(name, m);
      largest = Math.max(largest, m);
    }
    for (const [name, m] of scale) {
      // Softmax ignores a shift shared by all keys, so q·b_k cancels: d loss / d b_k is zero up to rounding.
      if (name.endsWith('.attn.k.bias')) expect(m, name).toBeLessThan(1e-5 * largest);
      else expect(m, name).toBeGreaterThan(1e-4 * largest);
    }
    tf.dispose([value, ...grads.values()]);
  });

  it('agree with central finite differences', () => {
    const names = [
      'classifier.weight',
      'block_c.attn.q.weight',
      'audio_layers.0.ffn.in.weight',
      'text_block.attn_ln.weight',
      'gate.bias',
      'audio_in.weight',
    ];
    const { value, grads } = paramGrads(store, () => probeLoss(store, c.config, batch, weights));
    const lossAt = () => tf.tidy(() => probeLoss(store, c.config, batch, weights).dataSync()[0] ?? NaN);
    const report: string[] = [];
    let worst = 0;
    for (const name of names) {
      const g = grads.get(name)?.dataSync();
      if (g === undefined) throw new Error(name);
      // The three largest coordinates: finite differences in float32 are meaningless on tiny gradients.
      const idx = [...g.keys()].sort((i, j) => Math.abs(g[j] ?? 0) - Math.abs(g[i] ?? 0)).slice(0, 3);
      const v = store.get(name);
      const orig = v.dataSync().slice();
      for (const i of idx) {
        const h = 1e-2 * Math.max(1, Math.abs(orig[i] ?? 0));
        const at = (delta: number) => {
          const moved = orig.slice();
          moved[i] = (orig[i] ?? 0) + delta;
          v.assign(tf.tensor(moved, v.shape));
          return lossAt();
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        const an = g[i] ?? 0;
        expect(Math.abs(an)).toBeGreaterThan(1e-3);
        const rel = Math.abs(fd - an) / Math.max(Math.abs(an), Math.abs(fd));
        worst = Math.max(worst, rel);
        report.push(`${name}[${i}] analytic ${an.toFixed(5)} fd ${fd.toFixed(5)} rel ${rel.toExponential(1)}`);
        expect(rel, `${name}[${i}]`).toBeLessThan(3e-2);
      }
      v.assign(tf.tensor(orig, v.shape));
    }
    console.log(`finite differences (worst rel err ${worst.toExponential(2)}):\n${report.join('\n')}`);
    tf.dispose([value, ...grads.values()]);
  });

  it('leak no tensors across repeated forward and backward passes', () => {
    const step = (seed: number) => {
      const { value, grads } = paramGrads(store, () =>
        tf.tidy<tf.Scalar>(() => {
          const out = mmerForward(store, c.config, batch, { training: true, seed });
          return tf.add(tf.sum(tf.mul(out.logits, weights[0] ?? 0)), tf.sum(out.ctcLogits()));
        }),
      );
      tf.dispose([value, ...grads.values()]);
    };
    step(0);
    const before = tf.memory().numTensors;
    for (let s = 1; s <= 3; s++) {
      step(s);
      expect(tf.memory().numTensors).toBe(before);
    }
    const out = mmerForward(store, c.config, batch, { training: false });
    const p = out.projection(out.pooled, 'aug');
    disposeMmerOutputs(out);
    p.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('dropout: same seed same output, new seed new output, eval ignores the seed', () => {
    const logits = (training: boolean, seed?: number) => {
      const out = mmerForward(store, c.config, batch, seed === undefined ? { training } : { training, seed });
      const data = Float32Array.from(out.logits.dataSync());
      // Also the CTC head, which has its own dropout site on A.
      const ctcLogits = out.ctcLogits();
      const ctc = Float32Array.from(ctcLogits.dataSync());
      ctcLogits.dispose();
      disposeMmerOutputs(out);
      return [...data, ...ctc];
    };
    expect(logits(true, 1)).toEqual(logits(true, 1));
    expect(logits(true, 1)).not.toEqual(logits(true, 2));
    expect(logits(true, 1)).not.toEqual(logits(false));
    expect(logits(false, 1)).toEqual(logits(false, 2));
    expect(logits(false, 1)).toEqual(logits(false));
  });
});

// ------------------------------------------------------------------ 6. parameter store

describe('ParamStore', () => {
  it('round-trips through its plain-data form with identical outputs', async () => {
    const config = liteConfig(['a', 'b', 'c']);
    const small: MmerConfig = { ...config, audioDim: 6, textDim: 5, hidden: 8, heads: 2, ffn: 16, audioLayers: 1 };
    const a = ParamStore.init(small, 3);
    const b = ParamStore.load(small, await a.serialise());
    const batch: MmerBatch = {
      audio: tf.randomNormal([2, 4, 6], 0, 1, 'float32', 1),
      audioMask: tf.tensor2d([
        [1, 1, 1, 1],
        [1, 1, 0, 0],
      ]),
      text: tf.randomNormal([2, 3, 5], 0, 1, 'float32', 2),
      textMask: tf.tensor2d([
        [1, 1, 1],
        [1, 0, 0],
      ]),
    };
    const oa = mmerForward(a, small, batch, { training: true, seed: 9 });
    const ob = mmerForward(b, small, batch, { training: true, seed: 9 });
    expect(ob.logits.dataSync()).toEqual(oa.logits.dataSync());
    const [ctcA, ctcB] = [oa.ctcLogits(), ob.ctcLogits()];
    expect(ctcB.dataSync()).toEqual(ctcA.dataSync());
    tf.dispose([ctcA, ctcB]);
    for (const o of [oa, ob]) disposeMmerOutputs(o);
    disposeBatch(batch);
    const again = ParamStore.init(small, 3);
    const other = ParamStore.init(small, 4);
    const w = async (s: ParamStore) => (await s.serialise())['block_b.attn.q.weight']?.data;
    expect(await w(again)).toEqual(await w(a));
    expect(await w(other)).not.toEqual(await w(a));
    for (const s of [a, b, again, other]) s.dispose();
  });

  it('rejects a wrong shape, a missing and an unexpected parameter with bad-model', () => {
    const config = frozen.config;
    const good = recordFor(config);
    const expectBad = (record: SerialisedParams, ...parts: string[]) => {
      const err = (() => {
        try {
          ParamStore.load(config, record).dispose();
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('bad-model');
      for (const p of parts) expect((err as AppError).message).toContain(p);
    };
    expectBad(
      { ...good, 'gate.weight': { shape: [16, 32], data: new Float32Array(512) } },
      '"gate.weight"',
      '[16, 32]',
      '[32, 16]',
    );
    const missing = { ...good };
    delete missing['block_d.ffn_ln.bias'];
    expectBad(missing, '"block_d.ffn_ln.bias"', 'missing', '[16]');
    expectBad(
      { ...good, 'audio_in.weight': { shape: [12, 16], data: new Float32Array(192) } },
      '"audio_in.weight"',
      'unexpected',
    );
    const store = ParamStore.load(config, good);
    expect(() => {
      store.assign({ ...good, 'ctc.bias': { shape: [31], data: new Float32Array(31) } });
    }).toThrow(/"ctc.bias" has shape \[31\] but the model expects \[32\]/);
    store.dispose();
  });

  it('validates configurations', () => {
    const check = (c: MmerConfig) => () => {
      validateConfig(c);
    };
    expect(check(DEFAULT_CONFIG)).not.toThrow();
    expect(check(liteConfig())).not.toThrow();
    expect(check({ ...DEFAULT_CONFIG, heads: 5 })).toThrow(/hidden \(768\) must be divisible by heads \(5\)/);
    expect(check({ ...DEFAULT_CONFIG, dropout: 1 })).toThrow(AppError);
    expect(() => ParamStore.init({ ...DEFAULT_CONFIG, audioLayers: -1 })).toThrow(/audioLayers/);
    // The authors' setting: no input projections, frozen features straight into the fusion blocks.
    const names = paramSpecs(DEFAULT_CONFIG).map((s) => s.name);
    expect(names.filter((n) => n.startsWith('audio_in') || n.startsWith('text_in'))).toEqual([]);
    expect(paramSpecs(liteConfig()).map((s) => s.name)).toContain('audio_layers.1.ffn_ln.bias');
  });
});
