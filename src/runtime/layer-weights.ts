/**
 * Reading trained weights out of an ONNX export so the training engine can start from them: wav2vec2's top
 * transformer layers (the head fine-tunes them, as the authors fine-tune wav2vec2) and its CTC lm_head.
 *
 * Weights are found by node scope, as graph surgery finds layers: torch.onnx.export renames Linear weights
 * (`onnx::MatMul_1234`) but keeps the module path in node names
 * (`/wav2vec2/encoder/layers.11/attention/q_proj/MatMul`).
 * fp32, fp16 and dynamically quantized (MatMulInteger, int8 or uint8, per-tensor or per-column scales) exports all
 * read back as float32; quantized weights are dequantized as (q - zero_point) * scale.
 */
import type { onnx as pb } from 'onnx-proto';
import { AppError } from '../core/errors';
import { decode, graphOf, tensorValues } from './onnx-model';

/** A float32 tensor in row-major order. */
export interface FloatTensor {
  readonly shape: number[];
  readonly data: Float32Array;
}

/** Named float32 tensors, in the head's parameter naming (see src/mmer/params.ts). */
export type WeightRecord = Record<string, FloatTensor>;

const bad = (msg: string): AppError => new AppError('bad-model', `Cannot read encoder weights: ${msg}.`);

function values(t: pb.ITensorProto): FloatTensor {
  const { dims, data } = tensorValues(t);
  return { shape: dims, data };
}

/** The graph's nodes and initializers, indexed for scope lookups. */
export class WeightReader {
  private readonly nodes: pb.INodeProto[];
  private readonly inits = new Map<string, pb.ITensorProto>();

  constructor(bytes: Uint8Array) {
    const g = graphOf(decode(bytes));
    this.nodes = g.node ?? [];
    for (const t of g.initializer ?? []) this.inits.set(t.name ?? '', t);
  }

  private under(scope: string, op: string): pb.INodeProto[] {
    return this.nodes.filter((n) => n.opType === op && (n.name ?? '').startsWith(scope));
  }

  private init(name: string | undefined): FloatTensor | null {
    const t = name === undefined ? undefined : this.inits.get(name);
    return t === undefined ? null : values(t);
  }

  /** The first initializer input of any `op` node under `scope` that satisfies `accept`. */
  private initInput(scope: string, op: string, accept: (t: FloatTensor) => boolean): FloatTensor | null {
    for (const n of this.under(scope, op)) {
      for (const input of n.input ?? []) {
        const t = this.init(input);
        if (t !== null && accept(t)) return t;
      }
    }
    return null;
  }

  /** True when some node's name starts with `scope`. */
  hasScope(scope: string): boolean {
    return this.nodes.some((n) => (n.name ?? '').startsWith(scope));
  }

  /** Weight [in, out] and bias [out] of the Linear whose nodes live under `scope` (e.g. `/lm_head/`). */
  linear(scope: string): { weight: FloatTensor; bias: FloatTensor } {
    const weight = this.matMulWeight(scope);
    const out = weight.shape[1] ?? 0;
    const bias = this.initInput(scope, 'Add', (t) => t.data.length === out && t.shape.length === 1);
    if (bias === null) throw bad(`no bias of size ${out} is added under "${scope}"`);
    return { weight, bias };
  }

  private matMulWeight(scope: string): FloatTensor {
    const plain = this.under(scope, 'MatMul').find((n) => this.inits.has(n.input?.[1] ?? ''));
    if (plain !== undefined) return this.checked2d(this.init(plain.input?.[1]), scope);
    const quant = this.under(scope, 'MatMulInteger').find((n) => this.inits.has(n.input?.[1] ?? ''));
    if (quant === undefined) throw bad(`no MatMul or MatMulInteger with a weight initializer under "${scope}"`);
    const wName = quant.input?.[1] ?? '';
    const q = this.checked2d(this.init(wName), scope);
    const zero = this.init(quant.input?.[3]);
    // onnxruntime's quantizer names the scale after the weight; otherwise it is the constant of the rescaling Mul.
    const scale =
      this.init(wName.replace(/_quantized$/, '_scale')) ??
      this.initInput(scope, 'Mul', (t) => t.data.length === 1 || t.data.length === (q.shape[1] ?? 0));
    if (scale === null) throw bad(`the quantized weight under "${scope}" has no scale`);
    const cols = q.shape[1] ?? 0;
    const per = (t: FloatTensor | null, j: number, fallback: number): number =>
      t === null ? fallback : ((t.data.length === 1 ? t.data[0] : t.data[j]) ?? fallback);
    const data = new Float32Array(q.data.length);
    for (let i = 0; i < data.length; i++) {
      const j = i % cols;
      data[i] = ((q.data[i] ?? 0) - per(zero, j, 0)) * per(scale, j, 1);
    }
    return { shape: q.shape, data };
  }

  private checked2d(t: FloatTensor | null, scope: string): FloatTensor {
    if (t === null || t.shape.length !== 2) throw bad(`the weight under "${scope}" is not a matrix`);
    return t;
  }

  /** Gain and bias of the LayerNorm under `scope`: a LayerNormalization node, or the Mul/Add of a decomposed one. */
  layerNorm(scope: string, dim: number): { weight: FloatTensor; bias: FloatTensor } {
    const fused = this.under(scope, 'LayerNormalization')[0];
    if (fused !== undefined) {
      const weight = this.init(fused.input?.[1]);
      const bias = this.init(fused.input?.[2]);
      if (weight !== null && bias !== null) return { weight, bias };
    }
    const isVector = (t: FloatTensor): boolean => t.data.length === dim && t.shape.length === 1;
    const weight = this.initInput(scope, 'Mul', isVector);
    const bias = this.initInput(scope, 'Add', isVector);
    if (weight === null || bias === null) throw bad(`no LayerNorm of width ${dim} under "${scope}"`);
    return { weight, bias };
  }
}

/** Module paths of one wav2vec2 encoder layer, relative to its scope, and the block names they become. */
const WAV2VEC2_LINEARS: readonly (readonly [string, string])[] = [
  ['attention/q_proj/', 'attn.q'],
  ['attention/k_proj/', 'attn.k'],
  ['attention/v_proj/', 'attn.v'],
  ['attention/out_proj/', 'attn.o'],
  ['feed_forward/intermediate_dense/', 'ffn.in'],
  ['feed_forward/output_dense/', 'ffn.out'],
];
const WAV2VEC2_NORMS: readonly (readonly [string, string])[] = [
  ['layer_norm/', 'attn_ln'],
  ['final_layer_norm/', 'ffn_ln'],
];

/**
 * Reads wav2vec2 transformer layers `layers` (0-based) into `encoder_layers.{j}.*` for j = 0.. in the given order.
 * `layerScope` has an `{i}` placeholder, e.g. `/wav2vec2/encoder/layers.{i}/`.
 * @throws AppError('bad-model') naming the scope when a layer or one of its weights is not there.
 */
export function readWav2vec2Layers(reader: WeightReader, layerScope: string, layers: readonly number[]): WeightRecord {
  if (!layerScope.includes('{i}')) throw bad(`the layer scope "${layerScope}" has no {i} placeholder`);
  const out: WeightRecord = {};
  layers.forEach((layer, j) => {
    const scope = layerScope.replace('{i}', String(layer));
    if (!reader.hasScope(scope)) throw bad(`the model has no layer ${layer} (no node under "${scope}")`);
    let width = 0;
    for (const [path, name] of WAV2VEC2_LINEARS) {
      const { weight, bias } = reader.linear(scope + path);
      if (name === 'attn.q') width = weight.shape[0] ?? 0;
      out[`encoder_layers.${j}.${name}.weight`] = weight;
      out[`encoder_layers.${j}.${name}.bias`] = bias;
    }
    for (const [path, name] of WAV2VEC2_NORMS) {
      const { weight, bias } = reader.layerNorm(scope + path, width);
      out[`encoder_layers.${j}.${name}.weight`] = weight;
      out[`encoder_layers.${j}.${name}.bias`] = bias;
    }
  });
  return out;
}
