/**
 * Turns a manifest pair into ready encoders: picks the dtype for the backend, loads (cached, verified, edited)
 * graphs and side files, opens sessions. Shared by the worker and the Node CLI; only `ort` differs.
 */
import { vocabFromJson } from '../asr/ctc';
import { AppError } from '../core/errors';
import { LiteAudioEncoder, LiteTextEncoder } from '../encoders/lite';
import { OnnxAudioEncoder } from '../encoders/onnx-audio';
import { createTokenizer, OnnxTextEncoder } from '../encoders/onnx-text';
import type { AudioEncoderModel, TextEncoderModel } from '../encoders/types';
import { dtypeCandidates, resolvePair, type Manifest, type ModelEntry, type OnnxModelEntry } from '../runtime/manifest';
import { MissingFileError } from '../runtime/download';
import { loadEditedModel, loadJsonFile, type LoaderContext } from '../runtime/model-loader';
import type { OrtAdapter, OrtSession } from '../runtime/ort-types';
import type { Backend, Dtype, LoadProgress } from '../runtime/runtime-types';

/** What the trainer needs of the audio encoder's graph to start layers and CTC head from its weights. */
export interface EncoderGraph {
  readonly entry: OnnxModelEntry;
  /** The (cached, verified, edited) ONNX bytes. */
  readonly bytes: Uint8Array;
  /** The model's transformers config.json (num_attention_heads, intermediate_size, layer_norm_eps), or {}. */
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * Reads the audio graph at the dtype the encoder runs (null for lite) from the model cache, with the training-only
 * files it needs; `onProgress` hears of any file that had to be downloaded for it.
 */
export type AudioGraphReader = (onProgress?: (p: LoadProgress) => void) => Promise<EncoderGraph | null>;

export interface EncoderContext extends LoaderContext {
  readonly ort: OrtAdapter;
  readonly backend: Backend;
  readonly hasShaderF16: boolean;
  /**
   * The manifest the pair was loaded with before its audio cut moved: its cached graphs are re-cut, so moving the cut
   * never downloads a graph again (`loadEditedModel`'s `before`).
   */
  readonly cutFrom?: Manifest;
}

/** The entry `entry` had in `ctx.cutFrom` (the same model under its earlier plan), if any. */
function earlierEntry(ctx: EncoderContext, entry: OnnxModelEntry): OnnxModelEntry | undefined {
  const e = ctx.cutFrom?.models.find((m) => m.id === entry.id);
  return e?.format === 'onnx' && e !== entry ? e : undefined;
}

export interface EncoderPair {
  readonly audio: AudioEncoderModel;
  readonly text: TextEncoderModel;
}

async function tryOpen(ctx: EncoderContext, entry: OnnxModelEntry, dtype: Dtype): Promise<OrtSession> {
  const bytes = await loadEditedModel(ctx, entry, dtype, earlierEntry(ctx, entry));
  let session: OrtSession;
  try {
    session = await ctx.ort.createSession(bytes);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new AppError('bad-model', `Model "${entry.id}" (${dtype}) could not be opened on ${ctx.backend}: ${why}`, {
      cause: err,
    });
  }
  const missing = [entry.surgery.hiddenOutput, ...entry.inputs.map((i) => i.name)].filter(
    (n) => !session.outputNames.includes(n) && !session.inputNames.includes(n),
  );
  if (missing.length > 0) {
    await session.release();
    throw new AppError(
      'bad-model',
      `Model "${entry.id}" lacks ${missing.join(', ')} after editing; its graph does not match the manifest.`,
    );
  }
  ctx.onProgress({ status: 'ready', model: entry.id, dtype });
  return session;
}

/**
 * Opens the best dtype that works here. A precision the backend cannot run (e.g. an fp16 graph using an op the GPU
 * lacks) or that the server does not have (a repository without an fp16 export) falls through to the next one, with
 * a 'missing' progress event saying which; a broken connection or a failed integrity check does not, they are the
 * user's to see.
 */
async function openSession(ctx: EncoderContext, entry: OnnxModelEntry): Promise<OrtSession> {
  const candidates = dtypeCandidates(ctx.manifest, entry, ctx.backend, ctx.hasShaderF16);
  let lastError: unknown = null;
  for (const [i, dtype] of candidates.entries()) {
    try {
      return await tryOpen(ctx, entry, dtype);
    } catch (err) {
      if (err instanceof MissingFileError) {
        ctx.onProgress({
          status: 'missing',
          model: entry.id,
          file: entry.weights[dtype]?.path ?? dtype,
          next: candidates[i + 1] ?? null,
        });
      } else if (!(err instanceof AppError) || err.code !== 'bad-model') throw err;
      lastError = err;
    }
  }
  throw lastError;
}

async function loadAudio(ctx: EncoderContext, entry: ModelEntry): Promise<AudioEncoderModel> {
  if (entry.format === 'lite') {
    ctx.onProgress({ status: 'ready', model: entry.id, dtype: 'none' });
    return new LiteAudioEncoder(entry.id, entry.options);
  }
  const vocab = vocabFromJson((await loadJsonFile(ctx, entry, 'vocab')) as Record<string, number>);
  const session = await openSession(ctx, entry);
  const logits = entry.outputs[0]?.name ?? 'logits';
  const input = entry.inputs[0]?.name ?? 'input_values';
  return new OnnxAudioEncoder(entry.id, ctx.ort, session, vocab, { input, logits, hidden: entry.surgery.hiddenOutput });
}

async function loadText(ctx: EncoderContext, entry: ModelEntry): Promise<TextEncoderModel> {
  if (entry.format === 'lite') {
    ctx.onProgress({ status: 'ready', model: entry.id, dtype: 'none' });
    return new LiteTextEncoder(entry.id, entry.options);
  }
  const [tokJson, tokConfig, config] = await Promise.all([
    loadJsonFile(ctx, entry, 'tokenizer'),
    loadJsonFile(ctx, entry, 'tokenizerConfig'),
    entry.files.config === undefined ? Promise.resolve({}) : loadJsonFile(ctx, entry, 'config'),
  ]);
  const tokenizer = await createTokenizer(tokJson, tokConfig);
  // RoBERTa's position ids start after the padding index, so two positions are unusable.
  const maxPositions = (config as { max_position_embeddings?: number }).max_position_embeddings ?? 514;
  const session = await openSession(ctx, entry);
  return new OnnxTextEncoder(entry.id, ctx.ort, session, tokenizer, maxPositions - 2, entry.surgery.hiddenOutput);
}

/** Bytes of the graph `entry` would open first here (0 for lite encoders and files of unknown size). */
function firstGraphBytes(ctx: EncoderContext, entry: ModelEntry): number {
  if (entry.format !== 'onnx') return 0;
  const dtype = dtypeCandidates(ctx.manifest, entry, ctx.backend, ctx.hasShaderF16)[0];
  const ref = dtype === undefined ? undefined : entry.weights[dtype];
  return ref?.bytes ?? ref?.downloadBytes ?? 0;
}

/**
 * Loads both encoders of `pairName`, the larger graph first. Opening a session takes about 2-3 times the graph's size
 * for a moment (bytes, initializers, packed weights) and a WASM heap never shrinks: opened second, the smaller graph
 * fits in the room the larger one's opening left free, instead of growing the heap past it (bench, wav2vec2-base +
 * roberta-base int8 in Chromium: renderer peak 1647 -> 1439 MB). Sizes come from the manifest (`bytes`, else the
 * approximate `downloadBytes`); text comes first on a tie or when neither has one (RoBERTa-base's exports are the
 * larger in every dtype: fp32 499 vs 378 MB, fp16 250 vs 189, int8 126 vs 95).
 */
export async function loadEncoders(ctx: EncoderContext, pairName: string): Promise<EncoderPair> {
  const { audio, text, textFirst } = encoderLoadOrder(ctx, pairName);
  // The runtime starts while the first graph is read from the cache, not inside its session (ort-web.ts).
  if (audio.format === 'onnx' || text.format === 'onnx') void ctx.ort.start?.();
  if (textFirst) {
    const [t, a] = await openBoth(
      () => loadText(ctx, text),
      () => loadAudio(ctx, audio),
    );
    return { audio: a, text: t };
  }
  const [a, t] = await openBoth(
    () => loadAudio(ctx, audio),
    () => loadText(ctx, text),
  );
  return { audio: a, text: t };
}

/** The pair's encoders and whether `loadEncoders` opens the text encoder first (see there for why). */
export function encoderLoadOrder(
  ctx: EncoderContext,
  pairName: string,
): { audio: ModelEntry; text: ModelEntry; textFirst: boolean } {
  const { audio, text } = resolvePair(ctx.manifest, pairName);
  return { audio, text, textFirst: firstGraphBytes(ctx, audio) <= firstGraphBytes(ctx, text) };
}

/** Opens `first`, then `second`; if the second fails, the first is disposed before the error goes on. */
async function openBoth<A extends { dispose(): Promise<void> }, B>(
  first: () => Promise<A>,
  second: () => Promise<B>,
): Promise<[A, B]> {
  const a = await first();
  try {
    return [a, await second()];
  } catch (err) {
    await a.dispose();
    throw err;
  }
}

/**
 * The audio encoder's graph of `pairName` (edited, from the cache after the first load) and its transformers config,
 * for starting a head's encoder layers from its weights; null for encoders without a graph (lite). `dtype`: the one
 * the encoder runs at (default: the first this backend can run).
 */
export async function loadAudioGraph(
  ctx: EncoderContext,
  pairName: string,
  dtype?: Dtype,
): Promise<EncoderGraph | null> {
  const { audio } = resolvePair(ctx.manifest, pairName);
  if (audio.format !== 'onnx') return null;
  const chosen = dtype ?? dtypeCandidates(ctx.manifest, audio, ctx.backend, ctx.hasShaderF16)[0];
  if (chosen === undefined) throw new AppError('bad-model', `${audio.id} lists no file this machine can run.`);
  const bytes = await loadEditedModel(ctx, audio, chosen);
  const config =
    audio.files.config === undefined
      ? {}
      : ((await loadJsonFile(ctx, audio, 'config', 'training')) as Record<string, unknown>);
  return { entry: audio, bytes, config };
}

/**
 * `loadEncoders`, plus a reader of the audio encoder's graph at the dtype that actually opened, so a training run
 * starts the head's encoder layers from the very file the encoder runs (the graph is only read when asked).
 */
export async function loadEncodersWithGraph(
  ctx: EncoderContext,
  pairName: string,
): Promise<{ encoders: EncoderPair; audioGraph: AudioGraphReader }> {
  const audioId = resolvePair(ctx.manifest, pairName).audio.id;
  let dtype: Dtype | undefined;
  const encoders = await loadEncoders(
    {
      ...ctx,
      onProgress: (p) => {
        if (p.status === 'ready' && p.model === audioId && p.dtype !== 'none') dtype = p.dtype;
        ctx.onProgress(p);
      },
    },
    pairName,
  );
  // Later reads report to their own caller (a training run), not to the load that has finished.
  return {
    encoders,
    audioGraph: (onProgress = () => undefined) => loadAudioGraph({ ...ctx, onProgress }, pairName, dtype),
  };
}
