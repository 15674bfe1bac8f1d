/**
 * onnxruntime-web opens the encoders from a graph whose weights are external data naming the model file's own bytes
 * (src/runtime/external-weights.ts), on both of its builds, and such a session computes what the whole model does.
 */
import { describe, expect, it } from 'vitest';
import { webAdapter } from '../../src/runtime/ort-web';
import { floatData } from '../../src/runtime/ort-types';
import { mulberry32 } from '../../src/core/rng';

const MODELS = ['/models/fixtures/wav2vec2-tiny/onnx/model.onnx'];

async function bytesOf(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${String(response.status)}`);
  return new Uint8Array(await response.arrayBuffer());
}

describe('sessions on external weights', () => {
  it.each(MODELS)("%s: WASM and WebGPU sessions give the whole model's logits", async (url) => {
    const model = await bytesOf(url);
    const rand = mulberry32(3);
    const input = Float32Array.from({ length: 16000 }, () => rand() - 0.5);
    // The whole model, as onnxruntime-web opens it without help.
    const ort = await import('onnxruntime-web/wasm');
    const adapter = await webAdapter('wasm');
    const whole = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
    const want = floatData(
      (await whole.run({ input_values: new ort.Tensor('float32', input, [1, input.length]) })).logits,
      'logits',
    );
    await whole.release();
    for (const [backend, tolerance] of [
      ['wasm', 0],
      ['webgpu', 1e-4],
    ] as const) {
      const a = backend === 'wasm' ? adapter : await webAdapter('webgpu');
      const session = await a.createSession(model);
      const got = floatData(
        (await session.run({ input_values: a.tensor('float32', input, [1, input.length]) })).logits,
        'logits',
      );
      await session.release();
      expect(got.length, backend).toBe(want.length);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs((got[i] ?? 0) - (want[i] ?? 0)));
      expect(worst, backend).toBeLessThanOrEqual(tolerance);
    }
  });
});
