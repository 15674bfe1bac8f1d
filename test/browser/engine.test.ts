/**
 * The training engine in real Chromium: WebGPU (SwiftShader here), WASM and CPU start, and give the same values
 * and gradients for the same computation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initWebEngine } from '../../src/mmer/engine-web';
import type { EngineBackend } from '../../src/mmer/engine';
import { mulberry32 } from '../../src/core/rng';

/**
 * A small attention-like computation with every op kind the head uses: matMul, softmax, layer norm maths, GELU (erf),
 * max.
 */
async function probe(): Promise<{ value: number; grads: Float32Array[] }> {
  const rand = mulberry32(11);
  const make = (shape: number[]): tf.Tensor =>
    tf.tensor(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() - 0.5),
      shape,
    );
  const { value, grads } = tf.tidy(() => {
    const x = make([2, 5, 8]);
    const w = make([8, 8]);
    const f = (xx: tf.Tensor, ww: tf.Tensor): tf.Scalar => {
      const h = tf.reshape(tf.matMul(tf.reshape(xx, [10, 8]), ww), [2, 5, 8]);
      const att = tf.softmax(tf.div(tf.matMul(h, h, false, true), Math.sqrt(8)));
      const o = tf.matMul(att, h);
      const centred = tf.sub(o, tf.mean(o, -1, true));
      const norm = tf.div(centred, tf.sqrt(tf.add(tf.mean(tf.square(centred), -1, true), 1e-12)));
      const gelu = tf.mul(tf.mul(norm, 0.5), tf.add(tf.erf(tf.div(norm, Math.SQRT2)), 1));
      return tf.sum(tf.max(gelu, 1));
    };
    return tf.valueAndGrads(f)([x, w]);
  });
  // Read asynchronously: WebGPU has no synchronous readback.
  const out = {
    value: (await value.data())[0] ?? Number.NaN,
    grads: await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array)),
  };
  tf.dispose([value, ...grads]);
  return out;
}

/** One backend started and probed; each test asks for what it needs, so any test also runs alone. */
interface Probed {
  readonly started: EngineBackend;
  readonly active: string;
  readonly leaked: number;
  readonly result: Awaited<ReturnType<typeof probe>>;
}

const probes = new Map<EngineBackend, Promise<Probed>>();

/** Starts `backend` and probes it, once per file run (later calls share the result). */
function probed(backend: EngineBackend): Promise<Probed> {
  let p = probes.get(backend);
  if (p === undefined) {
    p = (async () => {
      const info = await initWebEngine([backend]);
      const active = tf.getBackend();
      const before = tf.memory().numTensors;
      const result = await probe();
      return { started: info.backend, active, leaked: tf.memory().numTensors - before, result };
    })();
    probes.set(backend, p);
  }
  return p;
}

describe('training engine backends', () => {
  it.each(['webgpu', 'wasm', 'cpu'] as const)('%s starts and passes its self-test', async (backend) => {
    const r = await probed(backend);
    expect(r.started).toBe(backend);
    expect(r.active).toBe(backend);
    expect(r.leaked).toBe(0);
  });

  it('all backends agree on value and gradients (1e-4)', async () => {
    const cpu = (await probed('cpu')).result;
    for (const backend of ['webgpu', 'wasm'] as const) {
      const r = (await probed(backend)).result;
      expect(Math.abs(r.value - cpu.value)).toBeLessThan(1e-4 * Math.max(1, Math.abs(cpu.value)));
      r.grads.forEach((g, k) => {
        const ref = cpu.grads[k] ?? new Float32Array();
        const worst = g.reduce((m, v, i) => Math.max(m, Math.abs(v - (ref[i] ?? Number.NaN))), 0);
        expect(worst, `${backend} gradient ${k}`).toBeLessThan(1e-4);
      });
    }
  });
});
