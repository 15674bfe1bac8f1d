/**
 * A tiny graph (MatMul + Softmax) run on a candidate backend and compared with a JS computation. Some drivers
 * expose an adapter that then produces garbage or fails on first dispatch; this catches that before models load.
 */
import { onnx } from 'onnx-proto';
import type { OrtAdapter } from './ort-types';

const A = [0.5, -1, 2, 0.25, 1.5, -0.75];
const B = [1, 0.5, -0.5, 2, 0.25, -1, 0.75, 1.25, -2, 0.1, 0.3, -0.6];

function buildModel(): Uint8Array {
  const f32 = onnx.TensorProto.DataType.FLOAT;
  const raw = new Uint8Array(new Float32Array(B).buffer);
  const model = onnx.ModelProto.fromObject({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'mmer-web-selftest',
    graph: {
      name: 'selftest',
      node: [
        { opType: 'MatMul', input: ['a', 'b'], output: ['ab'], name: 'mm' },
        {
          opType: 'Softmax',
          input: ['ab'],
          output: ['y'],
          name: 'sm',
          attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }],
        },
      ],
      initializer: [{ name: 'b', dataType: f32, dims: [3, 4], rawData: raw }],
      input: [
        { name: 'a', type: { tensorType: { elemType: f32, shape: { dim: [{ dimValue: 2 }, { dimValue: 3 }] } } } },
      ],
      output: [
        { name: 'y', type: { tensorType: { elemType: f32, shape: { dim: [{ dimValue: 2 }, { dimValue: 4 }] } } } },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function expected(): number[] {
  const out: number[] = [];
  for (let r = 0; r < 2; r++) {
    const row = [0, 1, 2, 3].map((c) => [0, 1, 2].reduce((s, k) => s + (A[r * 3 + k] ?? 0) * (B[k * 4 + c] ?? 0), 0));
    const max = Math.max(...row);
    const exps = row.map((v) => Math.exp(v - max));
    const sum = exps.reduce((s, v) => s + v, 0);
    out.push(...exps.map((v) => v / sum));
  }
  return out;
}

/** Resolves to null when `ort` computes the test graph correctly (within 1e-4), else to the reason. */
export async function runSelfTest(ort: OrtAdapter): Promise<string | null> {
  try {
    const session = await ort.createSession(buildModel());
    try {
      const out = await session.run({ a: ort.tensor('float32', new Float32Array(A), [2, 3]) });
      const y = out.y?.data;
      if (!(y instanceof Float32Array)) return 'the test graph returned no float output';
      const want = expected();
      const worst = want.reduce((m, v, i) => Math.max(m, Math.abs(v - (y[i] ?? Number.NaN))), 0);
      return worst <= 1e-4 ? null : `results differ from the reference by ${worst.toExponential(2)}`;
    } finally {
      await session.release();
    }
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
