/**
 * The emotion head's ONNX graph (head-onnx.ts) opened on the encoders' onnxruntime: the inference path HeadSlot
 * scores with when it can, because it runs the head several times faster than TensorFlow.js-WASM on one thread
 * (docs/decisions.md, "Emotion head on onnxruntime"). TensorFlow.js keeps the parameters for training and stays the
 * fallback.
 */
import type { FeatureMatrix } from '../encoders/types';
import type { MmerConfig } from '../mmer/config';
import type { ParamStore } from '../mmer/params';
import { prefixRows } from '../mmer/utterance';
import { floatData, type OrtAdapter, type OrtSession, type OrtTensor } from '../runtime/ort-types';
import { buildHeadOnnx, HEAD_ONNX_INPUTS, HEAD_ONNX_OUTPUT } from './head-onnx';

/** One clip's encoder features. */
export interface HeadFeatures {
  readonly audio: FeatureMatrix;
  readonly text: FeatureMatrix;
}

/** Softmax in double precision (what `predict` returns, computed by tfjs in float32: equal within 1e-6). */
export function softmaxScores(logits: ArrayLike<number>): number[] {
  const values = Array.from(logits);
  const top = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - top));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** A head's ONNX session; `release` it when the head goes. */
export class OnnxHeadSession {
  private constructor(
    private readonly ort: OrtAdapter,
    private readonly session: OrtSession,
    private readonly config: MmerConfig,
  ) {}

  /**
   * Builds the head's graph from its current parameters and opens it on `ort`.
   * @throws Error when the head cannot be built (headOnnxRefusal's reason) or the session cannot open.
   */
  static async open(ort: OrtAdapter, config: MmerConfig, params: ParamStore): Promise<OnnxHeadSession> {
    const model = buildHeadOnnx(config, await params.serialise());
    return new OnnxHeadSession(ort, await ort.createSession(model), config);
  }

  /**
   * Whether this session scores `features` exactly as tfjs would. Audio that holds no frames after the utterance
   * prefix is left to tfjs, whose error message explains it.
   */
  accepts(features: HeadFeatures): boolean {
    return features.audio.rows > prefixRows(this.config.utterance);
  }

  /** Logits [labels] of one clip (a batch of one, no padding). */
  async logits(features: HeadFeatures): Promise<Float32Array> {
    const [audio, audioMask] = this.padded(features.audio);
    const [text, textMask] = this.padded(features.text);
    const I = HEAD_ONNX_INPUTS;
    const out = await this.session.run({
      [I.audio]: audio,
      [I.audioMask]: audioMask,
      [I.text]: text,
      [I.textMask]: textMask,
    });
    const logits = floatData(out[HEAD_ONNX_OUTPUT], HEAD_ONNX_OUTPUT).slice();
    for (const t of Object.values(out)) t.dispose?.();
    return logits;
  }

  /** Frees the session. */
  release(): Promise<void> {
    return this.session.release();
  }

  /** A [1, rows, dim] tensor and its all-ones mask; an empty matrix becomes one masked row, as `makeBatch` pads it. */
  private padded(m: FeatureMatrix): [OrtTensor, OrtTensor] {
    const rows = Math.max(1, m.rows);
    const data = m.rows === 0 ? new Float32Array(m.dim) : m.data.subarray(0, m.rows * m.dim);
    const mask = new Float32Array(rows).fill(m.rows === 0 ? 0 : 1);
    return [this.ort.tensor('float32', data, [1, rows, m.dim]), this.ort.tensor('float32', mask, [1, rows])];
  }
}
