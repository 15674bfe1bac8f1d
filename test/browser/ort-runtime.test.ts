/**
 * Starting onnxruntime-web's WASM runtime ahead of the first session (ort-web.ts `startRuntime`), as the ML worker does
 * while it reads the first graph from the model cache: once per build, never failing, and sessions open after it.
 */
import { describe, expect, it } from 'vitest';
import { configureOrtWeb, startRuntime, webAdapter } from '../../src/runtime/ort-web';

describe('startRuntime', () => {
  it('starts the WASM build once for both WASM backends, and a real graph opens and runs after it', async () => {
    configureOrtWeb(1);
    const started = startRuntime('wasm');
    expect(startRuntime('wasm-mt')).toBe(started);
    await expect(started).resolves.toBeUndefined();

    const res = await fetch('/models/fixtures/roberta-tiny/onnx/model.onnx');
    expect(res.ok).toBe(true);
    const ort = await webAdapter('wasm');
    const session = await ort.createSession(new Uint8Array(await res.arrayBuffer()));
    try {
      expect(session.inputNames).toContain('input_ids');
      const ids = ort.tensor('int64', BigInt64Array.from([0n, 5n, 2n]), [1, 3]);
      const mask = ort.tensor('int64', BigInt64Array.from([1n, 1n, 1n]), [1, 3]);
      const out = await session.run({ input_ids: ids, attention_mask: mask });
      expect(Object.keys(out).length).toBeGreaterThan(0);
    } finally {
      await session.release();
    }
  });
});
