/**
 * The graph onnxruntime-web is given instead of a whole model (src/runtime/external-weights.ts): every initializer of
 * 1 kB or more names a slice of the model file that holds exactly its bytes, smaller ones stay, and nothing else of
 * the graph changes. (Sessions on such graphs are opened in test/browser/engine.test.ts: onnxruntime-node reads
 * external data from disk only.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXTERNAL_WEIGHTS_PATH, externalizeWeights } from '../../src/runtime/external-weights';
import { decode, graphOf, onnx } from '../../src/runtime/onnx-model';
import { REPO_ROOT } from '../shared-data';
import { ensureFixtures } from './fixtures-on-disk';

const FIXTURES = join(REPO_ROOT, 'public', 'models', 'fixtures');

beforeAll(async () => {
  await ensureFixtures();
});

const models = [
  { name: 'wav2vec2 fixture', path: join(FIXTURES, 'wav2vec2-tiny', 'onnx', 'model.onnx') },
  { name: 'RoBERTa fixture', path: join(FIXTURES, 'roberta-tiny', 'onnx', 'model.onnx') },
];

describe('externalizeWeights', () => {
  it.each(models)('$name: large initializers point at their own bytes in the file', ({ path }) => {
    const file = new Uint8Array(readFileSync(path));
    const graph = externalizeWeights(file);
    if (graph === null) throw new Error('no initializer moved');
    const before = graphOf(decode(file));
    const after = graphOf(decode(graph));
    expect(after.initializer?.map((t) => t.name)).toEqual(before.initializer?.map((t) => t.name));
    let moved = 0;
    for (const [i, t] of (after.initializer ?? []).entries()) {
      const original = before.initializer?.[i]?.rawData ?? new Uint8Array(0);
      if (original.byteLength < 1024) {
        expect(t.dataLocation ?? 0, t.name ?? '').toBe(onnx.TensorProto.DataLocation.DEFAULT);
        expect(t.rawData).toEqual(original);
        continue;
      }
      moved++;
      expect(t.dataLocation).toBe(onnx.TensorProto.DataLocation.EXTERNAL);
      expect(t.rawData?.byteLength ?? 0).toBe(0);
      const info = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
      expect(info.get('location')).toBe(EXTERNAL_WEIGHTS_PATH);
      const offset = Number(info.get('offset'));
      const length = Number(info.get('length'));
      expect(file.subarray(offset, offset + length)).toEqual(original);
    }
    expect(moved).toBeGreaterThan(0);
    // The rest of the graph is untouched.
    expect(after.node).toEqual(before.node);
    expect(after.output).toEqual(before.output);
    expect(graph.byteLength).toBeLessThan(file.byteLength / 2);
  });

  it('leaves a graph without large initializers alone', () => {
    const model = onnx.ModelProto.encode({
      irVersion: 8,
      graph: { name: 'g', initializer: [{ name: 'w', dims: [4], dataType: 1, rawData: new Uint8Array(16) }] },
    }).finish();
    expect(externalizeWeights(model)).toBeNull();
  });

  it('refuses bytes that are not a model', () => {
    expect(() => externalizeWeights(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(/not a valid ONNX protobuf/);
  });
});
