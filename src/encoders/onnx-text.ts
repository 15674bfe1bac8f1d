/** RoBERTa (LM head cut off) as a text encoder, tokenised with @huggingface/transformers' tokenizer. */
import { declaredWidth, floatData, type OrtAdapter, type OrtSession } from '../runtime/ort-types';
import { encoderText } from '../text/encoder-text';
import type { TextEncoderModel, TextEncoding } from './types';

/** The part of a transformers.js tokenizer this encoder uses. */
export interface Tokenizer {
  encode(text: string): number[];
}

/**
 * Builds the RoBERTa tokenizer from already-loaded JSON files, so the model loader (cache, progress, integrity)
 * serves the tokenizer like any other file. transformers.js is imported lazily: it is only needed here.
 */
export async function createTokenizer(tokenizerJson: unknown, tokenizerConfig: unknown): Promise<Tokenizer> {
  const { RobertaTokenizer } = await import('@huggingface/transformers');
  return new RobertaTokenizer(tokenizerJson, tokenizerConfig);
}

export class OnnxTextEncoder implements TextEncoderModel {
  constructor(
    readonly id: string,
    private readonly ort: OrtAdapter,
    private readonly session: OrtSession,
    private readonly tokenizer: Tokenizer,
    private readonly maxTokens: number,
    private readonly outputName: string,
  ) {}

  get hiddenWidth(): number | null {
    return declaredWidth(this.session, this.outputName);
  }

  async encode(text: string): Promise<TextEncoding> {
    // Gold transcripts (training) and recognised ones (in use) reach RoBERTa in one form.
    let ids = this.tokenizer.encode(encoderText(text));
    // Keep <s> ... </s> framing when truncating to the model's position limit.
    if (ids.length > this.maxTokens) ids = [...ids.slice(0, this.maxTokens - 1), ids[ids.length - 1] ?? 2];
    const n = ids.length;
    const inputIds = this.ort.tensor(
      'int64',
      BigInt64Array.from(ids, (v) => BigInt(v)),
      [1, n],
    );
    const mask = this.ort.tensor('int64', new BigInt64Array(n).fill(1n), [1, n]);
    const out = await this.session.run({ input_ids: inputIds, attention_mask: mask });
    try {
      const t = out[this.outputName];
      const data = floatData(t, this.outputName).slice();
      const dim = t?.dims[2] ?? 0;
      if (t?.dims.length !== 3 || t.dims[1] !== n)
        throw new Error(`Output "${this.outputName}" has shape [${t?.dims.join(', ') ?? ''}], expected [1, ${n}, dim]`);
      return { hidden: { rows: n, dim, data }, tokenIds: ids };
    } finally {
      for (const x of Object.values(out)) x.dispose?.();
      inputIds.dispose?.();
      mask.dispose?.();
    }
  }

  dispose(): Promise<void> {
    return this.session.release();
  }
}
