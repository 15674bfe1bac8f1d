/**
 * 1-D convolutions spelled as slices + MatMul (the bench's profile-case experiment): every rewritten shape must compute
 * what onnxruntime's own Conv
 * computes (run side by side in onnxruntime-node), and convolutions the rewrite cannot reproduce must stay as they are.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { countFlops } from '../../bench/lib/flops';
import { fillNoise, mulberry32 } from '../../src/core/rng';
import { rewriteConvsInModel } from '../../bench/lib/conv-matmul';
import { decode, graphOf, onnx } from '../../src/runtime/onnx-model';
import { DT, GraphBuilder } from '../../tools/fixtures/onnx-builder';
import { buildWav2vec2Onnx, WAV2VEC2_TINY } from '../../tools/fixtures/wav2vec2';

interface ConvCase {
  readonly name: string;
  readonly cin: number;
  readonly cout: number;
  readonly k: number;
  readonly stride: number;
  readonly frames: number;
  readonly batch?: number;
  readonly bias?: boolean;
  /** Extra Conv attributes; any of these makes the Conv one the rewrite must leave alone. */
  readonly attrs?: Record<string, number[] | number>;
  /** The weight is a graph input, not an initializer (its values are unknown at rewrite time). */
  readonly weightAsInput?: boolean;
  /** Spell "no padding" as auto_pad = VALID instead of pads = 0. */
  readonly autoPadValid?: boolean;
}

const W = 'w';
function convGraph(c: ConvCase): Uint8Array {
  const b = new GraphBuilder(0x5eedc0 + c.k * 7 + c.stride);
  const group = typeof c.attrs?.group === 'number' ? c.attrs.group : 1;
  const w = c.weightAsInput === true ? W : b.param(W, [c.cout, c.cin / group, c.k], 0.3);
  const inputs = ['x', w, ...(c.bias === true ? [b.param('bias', [c.cout], 0.5)] : [])];
  const attrs = { dilations: [1], group: 1, kernel_shape: [c.k], pads: [0, 0], strides: [c.stride], ...c.attrs };
  b.renameOutput(b.node('/conv/', 'Conv', inputs, attrs), 'y');
  const graphInputs = [
    { name: 'x', elemType: DT.FLOAT, dims: ['batch', c.cin, 'frames'] },
    ...(c.weightAsInput === true ? [{ name: W, elemType: DT.FLOAT, dims: [c.cout, c.cin, c.k] }] : []),
  ];
  const bytes = b.toBytes('conv', graphInputs, [{ name: 'y', elemType: DT.FLOAT, dims: ['batch', c.cout, 'out'] }]);
  if (c.autoPadValid !== true) return bytes;
  const model = decode(bytes);
  const conv = graphOf(model).node?.find((n) => n.opType === 'Conv');
  if (!conv) throw new Error('no Conv');
  conv.attribute = [
    ...(conv.attribute ?? []).filter((a) => a.name !== 'pads'),
    onnx.AttributeProto.create({
      name: 'auto_pad',
      type: onnx.AttributeProto.AttributeType.STRING,
      s: new TextEncoder().encode('VALID'),
    }),
  ];
  return onnx.ModelProto.encode(model).finish();
}

async function run(bytes: Uint8Array, c: ConvCase): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const batch = c.batch ?? 1;
  const x = fillNoise(new Float32Array(batch * c.cin * c.frames), mulberry32(c.frames), 1);
  const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor('float32', x, [batch, c.cin, c.frames]) };
  if (c.weightAsInput === true)
    feeds[W] = new ort.Tensor('float32', fillNoise(new Float32Array(c.cout * c.cin * c.k), mulberry32(3), 0.3), [
      c.cout,
      c.cin,
      c.k,
    ]);
  const session = await ort.InferenceSession.create(bytes);
  const y = (await session.run(feeds)).y;
  if (!y) throw new Error('no output y');
  return { dims: y.dims, data: y.data as Float32Array };
}

const opsOf = (bytes: Uint8Array): string[] => (graphOf(decode(bytes)).node ?? []).map((n) => n.opType ?? '');
const maxAbsDiff = (a: Float32Array, b: Float32Array): number =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? NaN))), 0);

const REWRITTEN: readonly ConvCase[] = [
  { name: 'wav2vec2 layers 1-4: k3 s2, odd length', cin: 6, cout: 5, k: 3, stride: 2, frames: 17 },
  { name: 'wav2vec2 layers 5-6: k2 s2, with bias', cin: 4, cout: 3, k: 2, stride: 2, frames: 16, bias: true },
  { name: 'wav2vec2 layer 0: one input channel, k10 s5', cin: 1, cout: 8, k: 10, stride: 5, frames: 83 },
  { name: 'pointwise k1 s1, batch 2', cin: 5, cout: 7, k: 1, stride: 1, frames: 9, batch: 2 },
  { name: 'strided pointwise k1 s3', cin: 2, cout: 2, k: 1, stride: 3, frames: 10 },
  { name: 'input exactly one kernel long', cin: 3, cout: 4, k: 3, stride: 1, frames: 3, batch: 3 },
  { name: 'auto_pad VALID is no padding', cin: 3, cout: 2, k: 4, stride: 3, frames: 20, autoPadValid: true },
];

const KEPT: readonly ConvCase[] = [
  { name: 'grouped (the positional conv)', cin: 4, cout: 4, k: 3, stride: 1, frames: 12, attrs: { group: 2 } },
  { name: 'padded', cin: 3, cout: 3, k: 3, stride: 1, frames: 12, attrs: { pads: [1, 1] } },
  { name: 'dilated', cin: 3, cout: 3, k: 3, stride: 1, frames: 12, attrs: { dilations: [2] } },
  { name: 'weight not stored in the file', cin: 3, cout: 3, k: 3, stride: 2, frames: 12, weightAsInput: true },
];

describe('rewriteConvs: rewritten convolutions compute what Conv computes', () => {
  it.each(REWRITTEN)('$name', async (c) => {
    const original = convGraph(c);
    const { bytes, rewritten } = rewriteConvsInModel(original);
    expect(rewritten).toBe(1);
    expect(opsOf(bytes)).not.toContain('Conv');
    expect(opsOf(bytes)).toContain('MatMul');
    // The old [Cout, Cin, K] weight is gone; only its [K*Cin, Cout] spelling is stored.
    expect(Array.from(graphOf(decode(bytes)).initializer ?? []).filter((t) => t.name === W)).toEqual([]);
    const [want, got] = [await run(original, c), await run(bytes, c)];
    expect(got.dims).toEqual(want.dims);
    expect(maxAbsDiff(got.data, want.data)).toBeLessThan(1e-5);
  });
});

describe('rewriteConvs: convolutions it cannot reproduce stay Conv', () => {
  it.each(KEPT)('$name', (c) => {
    const original = convGraph(c);
    const { bytes, rewritten } = rewriteConvsInModel(original);
    expect(rewritten).toBe(0);
    expect(bytes).toBe(original);
  });
});

describe('rewriteConvs on whole graphs', () => {
  it('keeps a weight another node still reads, and drops one only convolutions read', async () => {
    const b = new GraphBuilder(11);
    const w = b.param('shared', [4, 4, 2], 0.3);
    const y1 = b.node('/a/', 'Conv', ['x', w], { kernel_shape: [2], strides: [2] });
    b.renameOutput(b.node('/b/', 'Conv', [y1, w], { kernel_shape: [2], strides: [2] }), 'y');
    const spec = { name: 'x', elemType: DT.FLOAT, dims: [1, 4, 16] };
    const out = { name: 'y', elemType: DT.FLOAT, dims: [1, 4, 4] };
    const twoConvs = b.toBytes('two', [spec], [out]);
    const { bytes, rewritten } = rewriteConvsInModel(twoConvs);
    expect(rewritten).toBe(2);
    expect(Array.from(graphOf(decode(bytes)).initializer ?? []).filter((t) => t.name === 'shared')).toEqual([]);
    const c: ConvCase = { name: '', cin: 4, cout: 4, k: 2, stride: 2, frames: 16 };
    expect(maxAbsDiff((await run(bytes, c)).data, (await run(twoConvs, c)).data)).toBeLessThan(1e-5);

    b.renameOutput(b.node('/c/', 'Identity', [w]), 'w_out');
    const alsoRead = rewriteConvsInModel(
      b.toBytes('read', [spec], [out, { name: 'w_out', elemType: DT.FLOAT, dims: [4, 4, 2] }]),
    );
    expect(
      Array.from(graphOf(decode(alsoRead.bytes)).initializer ?? []).filter((t) => t.name === 'shared'),
    ).not.toEqual([]);
  });

  it('the wav2vec2 fixture: same logits, only the grouped Conv left, same dense FLOPs, idempotent', async () => {
    const original = buildWav2vec2Onnx(WAV2VEC2_TINY);
    const { bytes: edited, rewritten } = rewriteConvsInModel(original);
    expect(rewritten).toBe(7);
    expect(opsOf(edited).filter((op) => op === 'Conv')).toHaveLength(1);
    const feeds = {
      input_values: new ort.Tensor('float32', fillNoise(new Float32Array(2 * 8000), mulberry32(5), 0.5), [2, 8000]),
    };
    const logits = async (bytes: Uint8Array): Promise<Float32Array> =>
      (await (await ort.InferenceSession.create(bytes)).run(feeds)).logits?.data as Float32Array;
    expect(maxAbsDiff(await logits(edited), await logits(original))).toBeLessThan(1e-4);
    const dims = { batch_size: 1, sequence_length: 16_000 };
    expect(countFlops(decode(edited), dims).denseFloat).toBe(countFlops(decode(original), dims).denseFloat);
    expect(rewriteConvsInModel(edited).bytes).toBe(edited);
  });
});
