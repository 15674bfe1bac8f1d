/** wav2vec2 (edited to also output a hidden state) as an audio encoder: one pass gives CTC logits and features. */
import { normalise } from '../audio/normalise';
import { declaredWidth, floatData, type OrtAdapter, type OrtSession } from '../runtime/ort-types';
import type { AudioEncoderModel, AudioEncoding, FeatureMatrix } from './types';

export interface OnnxAudioNames {
  readonly input: string;
  readonly logits: string;
  readonly hidden: string;
}

function matrix(data: Float32Array, dims: readonly number[], name: string): FeatureMatrix {
  // Batch of one: [1, rows, dim].
  const rows = dims[1];
  const dim = dims[2];
  if (dims.length !== 3 || dims[0] !== 1 || rows === undefined || dim === undefined) {
    throw new Error(`Output "${name}" has shape [${dims.join(', ')}], expected [1, frames, dim]`);
  }
  return { rows, dim, data };
}

/** Wraps an ONNX session of a wav2vec2 CTC export. */
export class OnnxAudioEncoder implements AudioEncoderModel {
  readonly hasAsr = true;
  constructor(
    readonly id: string,
    private readonly ort: OrtAdapter,
    private readonly session: OrtSession,
    readonly vocab: readonly string[],
    private readonly names: OnnxAudioNames,
  ) {}

  get hiddenWidth(): number | null {
    return declaredWidth(this.session, this.names.hidden);
  }

  async encode(pcm16k: Float32Array): Promise<AudioEncoding> {
    const input = this.ort.tensor('float32', normalise(pcm16k), [1, pcm16k.length]);
    const out = await this.session.run({ [this.names.input]: input });
    try {
      const logitsT = out[this.names.logits];
      const hiddenT = out[this.names.hidden];
      // Copy out of runtime-owned buffers (GPU download / WASM heap views) before disposing them.
      const logits = matrix(floatData(logitsT, this.names.logits).slice(), logitsT?.dims ?? [], this.names.logits);
      const hidden = matrix(floatData(hiddenT, this.names.hidden).slice(), hiddenT?.dims ?? [], this.names.hidden);
      if (logits.rows !== hidden.rows)
        throw new Error(`logits has ${logits.rows} frames but hidden state has ${hidden.rows}`);
      return { hidden, logits };
    } finally {
      for (const t of Object.values(out)) t.dispose?.();
      input.dispose?.();
    }
  }

  dispose(): Promise<void> {
    return this.session.release();
  }
}
