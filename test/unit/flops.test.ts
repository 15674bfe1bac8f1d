/**
 * The graph FLOP counter of case 5 (bench/lib/flops.ts) against counts done by hand from the fixtures' architecture,
 * in every export flavour, plus the shape rules the fixtures do not exercise (Gemm, grouped strided Conv, shapes
 * computed from Shape) and the cases it must refuse.
 */
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { countFlops } from '../../bench/lib/flops';
import { decode } from '../../src/runtime/onnx-model';
import { editModel } from '../../src/runtime/surgery';
import { DT, GraphBuilder } from '../../tools/fixtures/onnx-builder';
import { buildRobertaOnnx, robertaTinyDims } from '../../tools/fixtures/roberta';
import { buildWav2vec2Onnx, WAV2VEC2_TINY } from '../../tools/fixtures/wav2vec2';

const { onnx } = onnxProto;

/**
 * wav2vec2-tiny (conv 32 channels, hidden 32, 2 heads, 2 layers, FFN 64, positional conv k 8 in 4 groups) by hand.
 * `lengths`: output length of each feature-encoder conv, floor((L - k) / s) + 1 worked out on paper.
 */
function wav2vec2TinyByHand(lengths: readonly number[]): Record<string, number> {
  const [C, H, F, heads] = [32, 32, 64, 2];
  const [l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, T = 0] = lengths;
  const conv = 2 * C * 1 * 10 * l0 + 2 * C * C * 3 * (l1 + l2 + l3 + l4) + 2 * C * C * 2 * (l5 + T);
  // Padding k/2 on both sides gives T + 1 positions (the extra one is sliced off after the conv).
  const posConv = 2 * H * (H / 4) * 8 * (T + 1);
  const projection = 2 * T * C * H;
  const perLayer = 4 * (2 * T * H * H) + 2 * T * H * F + 2 * T * F * H;
  const lmHead = 2 * T * H * 32;
  // Scores q k^T and context p v: 2 heads x T x T x 16 each.
  const attention = 2 * (2 * heads * T * T * (H / heads));
  return {
    Conv: conv,
    'Conv (grouped)': posConv,
    weights: projection + 2 * perLayer + lmHead,
    attention: 2 * attention,
  };
}

const ONE_SECOND = [3199, 1599, 799, 399, 199, 99, 49];
const TEN_SECONDS = [31999, 15999, 7999, 3999, 1999, 999, 499];

describe('countFlops on the wav2vec2 fixture', () => {
  it.each([
    ['1 s', 16_000, ONE_SECOND],
    ['10 s', 160_000, TEN_SECONDS],
  ])('fp32 at %s matches the hand count, kind by kind', (_label, samples, lengths) => {
    const hand = wav2vec2TinyByHand(lengths);
    const c = countFlops(decode(buildWav2vec2Onnx(WAV2VEC2_TINY)), { batch_size: 1, sequence_length: samples });
    expect(c.byKind).toEqual({
      Conv: hand.Conv,
      'Conv (grouped)': hand['Conv (grouped)'],
      'MatMul (weights)': hand.weights,
      'MatMul (activations)': hand.attention,
    });
    expect(c.denseFloat).toBe(Object.values(hand).reduce((a, b) => a + b, 0));
    expect(c.denseInt).toBe(0);
    expect(c.elementwise).toBeGreaterThan(0);
  });

  it('counts the int8 export the same, with the linear layers and convolutions as integer work', () => {
    const hand = wav2vec2TinyByHand(ONE_SECOND);
    const c = countFlops(decode(buildWav2vec2Onnx(WAV2VEC2_TINY, { quantize: true })), {
      batch_size: 1,
      sequence_length: 16_000,
    });
    // The exporter quantizes the convolutions too (ConvInteger): only the attention products stay float.
    const convs = (hand.Conv ?? 0) + (hand['Conv (grouped)'] ?? 0);
    expect(c.denseInt).toBe((hand.weights ?? 0) + convs);
    expect(c.byKind['MatMulInteger (weights)']).toBe(hand.weights);
    expect(c.byKind.ConvInteger).toBe(hand.Conv);
    expect(c.byKind['ConvInteger (grouped)']).toBe(hand['Conv (grouped)']);
    expect(c.denseFloat).toBe(hand.attention);
  });

  it('gives the same dense count with LayerNorm spelled out, and the surgery output adds nothing', () => {
    const dims = { batch_size: 1, sequence_length: 16_000 };
    const plain = countFlops(decode(buildWav2vec2Onnx(WAV2VEC2_TINY)), dims);
    const decomposed = countFlops(decode(buildWav2vec2Onnx(WAV2VEC2_TINY, { decomposeLayerNorm: true })), dims);
    expect(decomposed.denseFloat).toBe(plain.denseFloat);
    expect(decomposed.elementwise).toBeGreaterThan(plain.elementwise);
    const plan = {
      headPrefix: '/lm_head/',
      keepHead: true,
      hiddenOutput: 'hidden_state',
      layer: 0,
      layerScope: '/wav2vec2/encoder/layers.{i}/',
    };
    expect(countFlops(decode(editModel(buildWav2vec2Onnx(WAV2VEC2_TINY), plan)), dims)).toEqual(plain);
  });

  it('needs every named input dimension bound', () => {
    expect(() => countFlops(decode(buildWav2vec2Onnx(WAV2VEC2_TINY)), { batch_size: 1 })).toThrow(/sequence_length/);
  });
});

describe('countFlops on the RoBERTa fixture', () => {
  const { hidden: H, ffn: F, vocab: V, layers } = robertaTinyDims();
  const N = 24;
  const encoder = layers * (4 * 2 * N * H * H + 2 * 2 * N * H * F);
  const attention = layers * 2 * (2 * 2 * N * N * (H / 2));

  it('counts the encoder, and the fill-mask head only while it is there', () => {
    const bytes = buildRobertaOnnx(robertaTinyDims());
    const dims = { batch_size: 1, sequence_length: N };
    const full = countFlops(decode(bytes), dims);
    // lm_head: dense H x H, then the tied decoder H x V (a Transpose of the embedding matrix: still weights).
    expect(full.byKind).toEqual({
      'MatMul (weights)': encoder + 2 * N * H * H + 2 * N * H * V,
      'MatMul (activations)': attention,
    });
    const cut = countFlops(
      decode(
        editModel(bytes, {
          headPrefix: '/lm_head/',
          keepHead: false,
          hiddenOutput: 'last_hidden_state',
          layer: 'head-input',
        }),
      ),
      dims,
    );
    expect(cut.byKind).toEqual({ 'MatMul (weights)': encoder, 'MatMul (activations)': attention });
  });
});

describe('countFlops shape rules', () => {
  /** x [1, 8, 20] -> grouped strided Conv -> Reshape by a shape computed from Shape -> Gemm; plus a dead branch. */
  function graph(): Uint8Array {
    const b = new GraphBuilder(7);
    const w = b.param('w', [6, 4, 3], 0.1);
    const bias = b.param('b', [6], 0.1);
    const y = b.node('/c/', 'Conv', ['x', w, bias], { group: 2, kernel_shape: [3], pads: [1, 1], strides: [2] });
    // [1, 6, 10] -> [6, 10] via Shape/Gather/Concat, as exports compute reshape targets at run time.
    const shape = b.node('/r/', 'Shape', [y]);
    const six = b.node('/r/', 'Gather', [shape, b.int64s('/r/', [1])], { axis: 0 });
    const flat = b.node('/r/', 'Reshape', [y, b.node('/r/', 'Concat', [six, b.int64s('/r/', [-1])], { axis: 0 })]);
    const g = b.node('/g/', 'Gemm', [flat, b.param('gw', [5, 10], 0.1), b.param('gb', [5], 0.1)], { transB: 1 });
    b.node('/dead/', 'MatMul', [flat, b.param('dw', [10, 1000], 0.1)]);
    b.renameOutput(g, 'y');
    return b.toBytes(
      't',
      [{ name: 'x', elemType: DT.FLOAT, dims: [1, 8, 'len'] }],
      [{ name: 'y', elemType: DT.FLOAT, dims: [6, 5] }],
    );
  }

  it('counts grouped strided Conv and Gemm through a computed Reshape, and skips what no output needs', () => {
    const c = countFlops(decode(graph()), { len: 20 });
    // Conv: out length floor((20 + 2 - 3) / 2) + 1 = 10; 6 out channels x 4 in per group x 3 taps.
    // Gemm: [6, 10] x [10, 5] (transB).
    expect(c.byKind).toEqual({ 'Conv (grouped)': 2 * 6 * 4 * 3 * 10, Gemm: 2 * 6 * 10 * 5 });
    // Biases: 60 Conv outputs and 30 Gemm outputs; Shape, Gather, Concat and Reshape compute nothing.
    expect(c.elementwise).toBe(60 + 30);
  });

  it('refuses an op it has no shape rule for', () => {
    const b = new GraphBuilder(1);
    b.renameOutput(b.node('/t/', 'TopK', ['x', b.int64s('/t/', [2])]), 'y');
    const bytes = b.toBytes(
      't',
      [{ name: 'x', elemType: DT.FLOAT, dims: [4] }],
      [{ name: 'y', elemType: DT.FLOAT, dims: [2] }],
    );
    expect(() => countFlops(onnx.ModelProto.decode(bytes), {})).toThrow(/no shape rule for TopK/);
  });
});
