/**
 * The MMER emotion head's inference forward (src/mmer/head.ts `mmerForward` with training off, up to the logits
 * `predict` softmaxes) written out as an ONNX graph from the head's weights, so onnxruntime, already loaded for the
 * encoders, scores a clip in a fraction of TensorFlow.js-WASM's time (docs/decisions.md, "Emotion head on
 * onnxruntime"). The graph mirrors the tfjs code op for op (post-LN BERT blocks, additive -10000 masks, masked max
 * pooling, the utterance branches); tests compare both on every kind of config (test/unit/head-onnx.test.ts).
 * No dropout, no CTC or contrastive heads: those only matter while training, which stays on tfjs.
 */
import { encoderLayersOf, validateConfig, type MmerConfig } from '../mmer/config';
import { MASK_NEG, POOL_NEG } from '../mmer/layers';
import { isTrainingOnly, paramSpecs, type SerialisedParams } from '../mmer/params';
import type { NormStats, UtteranceSpec } from '../mmer/utterance';
import { OnnxWriter } from '../runtime/onnx-writer';

/** Names of the graph's inputs ([batch, frames, audioDim], [batch, frames], [batch, tokens, textDim], [batch, tokens]). */
export const HEAD_ONNX_INPUTS = {
  audio: 'audio',
  audioMask: 'audio_mask',
  text: 'text',
  textMask: 'text_mask',
} as const;
/** Name of the graph's output: the emotion logits [batch, labels]. */
export const HEAD_ONNX_OUTPUT = 'logits';

/** Protobuf cannot encode a message over 2 GiB; leave room for everything that is not weights. */
const MAX_WEIGHT_BYTES = 2 ** 31 - 2 ** 24;

/**
 * Why this head cannot be built as an ONNX graph, or null when it can. The caller then keeps scoring on TensorFlow.js.
 * Every config `validateConfig` accepts builds, unless its weights exceed what one protobuf message can hold.
 */
export function headOnnxRefusal(config: MmerConfig, params: SerialisedParams): string | null {
  try {
    validateConfig(config);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  let bytes = 0;
  // The graph never reads the training-only parameters, so a head without them builds too.
  for (const spec of paramSpecs(config).filter((s) => !isTrainingOnly(s.name))) {
    const entry = params[spec.name];
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (entry === undefined || entry.data.length !== size) return `parameter "${spec.name}" is missing or mis-sized`;
    bytes += 4 * size;
  }
  if (bytes > MAX_WEIGHT_BYTES) {
    return `its ${Math.round(bytes / 2 ** 20)} MB of weights exceed what one ONNX protobuf can hold (2 GiB)`;
  }
  return null;
}

/** Width, heads and LayerNorm epsilon of one block (the wav2vec2 layers run at the audio width). */
interface Dims {
  readonly hidden: number;
  readonly heads: number;
  readonly eps: number;
}

/** Emits the graph; every method mirrors the tfjs layer of the same name in src/mmer/layers.ts. */
class HeadGraph {
  readonly w = new OnnxWriter();

  constructor(private readonly params: SerialisedParams) {}

  private param(name: string): string {
    const p = this.params[name];
    // headOnnxRefusal checked every name; reaching this is a programming error.
    if (p === undefined) throw new Error(`head-onnx: no parameter "${name}"`);
    return this.w.weight(name, p.shape, p.data);
  }

  has(name: string): boolean {
    return this.params[name] !== undefined;
  }

  /** y = x·W + b with W stored [in, out]; MatMul broadcasts over leading axes like the tfjs reshape does. */
  linear(name: string, x: string): string {
    return this.w.node('Add', [this.w.node('MatMul', [x, this.param(`${name}.weight`)]), this.param(`${name}.bias`)]);
  }

  layerNorm(name: string, x: string, eps: number): string {
    const g = this.param(`${name}.weight`);
    const b = this.param(`${name}.bias`);
    return this.w.node('LayerNormalization', [x, g, b], { axis: -1, epsilon: { f: eps } });
  }

  /** Exact GELU in the order onnxruntime's Gelu fusion recognises: x·(1 + erf(x/√2))·0.5. */
  gelu(x: string): string {
    const w = this.w;
    const erf = w.node('Erf', [w.node('Div', [x, w.floats([Math.SQRT2], [])])]);
    return w.node('Mul', [w.node('Mul', [x, w.node('Add', [erf, w.floats([1], [])])]), w.floats([0.5], [])]);
  }

  /** [B, T] validity mask → [B, 1, 1, T] additive score bias (0 or -10000). */
  additiveMask(mask: string): string {
    const w = this.w;
    const bias = w.node('Mul', [w.node('Sub', [w.floats([1], []), mask]), w.floats([MASK_NEG], [])]);
    return w.node('Unsqueeze', [bias, w.ints([1, 2])]);
  }

  attention(name: string, query: string, keyValue: string, scoreMask: string, d: Dims): string {
    const w = this.w;
    const headDim = d.hidden / d.heads;
    const split = (t: string, perm: readonly number[]): string =>
      w.node('Transpose', [w.node('Reshape', [t, w.ints([0, 0, d.heads, headDim])])], { perm });
    const q = split(this.linear(`${name}.attn.q`, query), [0, 2, 1, 3]);
    // K comes out transposed ([B, h, hd, Tk]) so the score product is a plain MatMul.
    const k = split(this.linear(`${name}.attn.k`, keyValue), [0, 2, 3, 1]);
    const v = split(this.linear(`${name}.attn.v`, keyValue), [0, 2, 1, 3]);
    const scaled = w.node('Div', [w.node('MatMul', [q, k]), w.floats([Math.sqrt(headDim)], [])]);
    const probs = w.node('Softmax', [w.node('Add', [scaled, scoreMask])], { axis: -1 });
    const context = w.node('Transpose', [w.node('MatMul', [probs, v])], { perm: [0, 2, 1, 3] });
    return this.linear(`${name}.attn.o`, w.node('Reshape', [context, w.ints([0, 0, d.hidden])]));
  }

  /** Post-LN BERT layer: LN(q + attn(q, kv)), then LN(h + W2·gelu(W1·h)). */
  bertBlock(name: string, query: string, keyValue: string, scoreMask: string, d: Dims): string {
    const w = this.w;
    const attended = this.attention(name, query, keyValue, scoreMask, d);
    const h = this.layerNorm(`${name}.attn_ln`, w.node('Add', [query, attended]), d.eps);
    const out = this.linear(`${name}.ffn.out`, this.gelu(this.linear(`${name}.ffn.in`, h)));
    return this.layerNorm(`${name}.ffn_ln`, w.node('Add', [h, out]), d.eps);
  }

  /** Max over time where the mask is 1; padded positions are replaced by -9999.9999, as in `maskedMax`. */
  maskedMax(x: string, mask: string): string {
    const w = this.w;
    const valid = w.node('Unsqueeze', [w.node('Greater', [mask, w.floats([0.5], [])]), w.ints([2])]);
    const filled = w.node('Where', [valid, x, w.floats([POOL_NEG], [])]);
    return w.node('ReduceMax', [filled], { axes: [1], keepdims: 0 });
  }

  /** x[:, start:end] along `axis` (end clamps, so a large end means "to the last"). */
  slice(x: string, start: number, end: number, axis: number): string {
    return this.w.node('Slice', [x, this.w.ints([start]), this.w.ints([end]), this.w.ints([axis])]);
  }

  /** (x - mean) / std with missing statistics at 0, as `zScore`. */
  zScore(x: string, missing: string, n: NormStats): string {
    const w = this.w;
    const z = w.node('Div', [w.node('Sub', [x, w.floats([...n.mean])]), w.floats([...n.std])]);
    return w.node('Mul', [z, w.node('Sub', [w.floats([1], []), missing])]);
  }
}

/** The utterance prefix split off the audio: the frames after it, their mask, and the branches' logits. */
function utterancePrefix(
  g: HeadGraph,
  spec: UtteranceSpec,
  audio: string,
  mask: string,
): { audio: string; mask: string; logits: string } {
  const w = g.w;
  const f = spec.frames;
  // One prefix block as [B, f·audioDim], its first `dim` (or `dim`..`dim`+1) values: `splitPrefix`.
  const block = (k: number, from: number, to: number): string =>
    g.slice(w.node('Reshape', [g.slice(audio, k * f, (k + 1) * f, 1), w.ints([0, -1])]), from, to, 1);
  const raw = block(0, 0, spec.dim);
  const missing = block(1, 0, spec.dim);
  const speaker = block(2, 0, spec.dim);
  const use = block(2, spec.dim, spec.dim + 1);
  const global = g.linear('utt_global', g.zScore(raw, missing, spec.global));
  const fromSpeaker = g.linear('utt_speaker', g.zScore(speaker, missing, spec.speaker));
  const logits = w.node('Add', [
    w.node('Mul', [fromSpeaker, use]),
    w.node('Mul', [global, w.node('Sub', [w.floats([1], []), use])]),
  ]);
  const rest = 2 ** 31 - 1;
  return { audio: g.slice(audio, 3 * f, rest, 1), mask: g.slice(mask, 3 * f, rest, 1), logits };
}

/**
 * The head's inference graph as ONNX bytes (opset 17, float32): inputs `HEAD_ONNX_INPUTS` with masks 1 for valid
 * positions and 0 for padding, batch and lengths dynamic; output `HEAD_ONNX_OUTPUT`, the logits before softmax.
 * The weight arrays are referenced while building and copied once into the returned bytes.
 * @throws Error with `headOnnxRefusal`'s reason when the head cannot be built.
 */
export function buildHeadOnnx(config: MmerConfig, params: SerialisedParams): Uint8Array {
  const refusal = headOnnxRefusal(config, params);
  if (refusal !== null) throw new Error(`The emotion head cannot run on onnxruntime: ${refusal}.`);
  const g = new HeadGraph(params);
  const w = g.w;
  const I = HEAD_ONNX_INPUTS;
  const spec = config.utterance;
  const prefix = spec === undefined ? null : utterancePrefix(g, spec, I.audio, I.audioMask);
  const audioMask = prefix?.mask ?? I.audioMask;
  const audioBias = g.additiveMask(audioMask);
  const textBias = g.additiveMask(I.textMask);
  const dims: Dims = { hidden: config.hidden, heads: config.heads, eps: config.layerNormEps };

  let a = prefix?.audio ?? I.audio;
  const enc = encoderLayersOf(config);
  const encDims: Dims = { hidden: config.audioDim, heads: enc.heads, eps: enc.layerNormEps };
  for (let i = 0; i < enc.count; i++) a = g.bertBlock(`encoder_layers.${i}`, a, a, audioBias, encDims);
  if (g.has('audio_in.weight')) a = g.linear('audio_in', a);
  for (let i = 0; i < config.audioLayers; i++) a = g.bertBlock(`audio_layers.${i}`, a, a, audioBias, dims);

  const t = g.has('text_in.weight') ? g.linear('text_in', I.text) : I.text;
  const h = g.bertBlock('text_block', t, t, textBias, dims);
  const audioB = g.linear('audio_proj_b', a);
  const audioC = g.linear('audio_proj_c', a);
  const p = g.bertBlock('block_b', h, audioB, audioBias, dims);
  const c = g.bertBlock('block_c', audioC, h, textBias, dims);
  const r = g.bertBlock('block_d', h, c, audioBias, dims);

  const gate = w.node('Sigmoid', [g.linear('gate', w.node('Concat', [r, p], { axis: 2 }))]);
  const fused = w.node('Concat', [r, w.node('Mul', [gate, p])], { axis: 2 });
  const textPooled = g.linear('text_pool', g.maskedMax(fused, I.textMask));
  const pooled = w.node('Concat', [g.maskedMax(a, audioMask), textPooled], { axis: 1 });
  const frameLogits = g.linear('classifier', pooled);
  if (prefix === null) w.node('Identity', [frameLogits], {}, HEAD_ONNX_OUTPUT);
  else w.node('Add', [frameLogits, prefix.logits], {}, HEAD_ONNX_OUTPUT);

  return w.toBytes(
    'mmer_head',
    [
      { name: I.audio, dims: ['batch', 'frames', config.audioDim] },
      { name: I.audioMask, dims: ['batch', 'frames'] },
      { name: I.text, dims: ['batch', 'tokens', config.textDim] },
      { name: I.textMask, dims: ['batch', 'tokens'] },
    ],
    [{ name: HEAD_ONNX_OUTPUT, dims: ['batch', config.labels.length] }],
  );
}
