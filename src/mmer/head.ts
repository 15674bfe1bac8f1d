/**
 * Forward pass of the MMER multimodal-interaction head (Ghosh et al., Interspeech 2023), one definition for inference
 * and training. Parameter names and layouts: see params.ts; blocks: see layers.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AppError } from '../core/errors';
import { encoderLayersOf, type MmerConfig } from './config';
import { framesOverTextBlock, textOverFramesBlock } from './cross-attention';
import { bertBlock, dropout, gelu, linear, maskedMax, type LayerContext } from './layers';
import type { ParamStore } from './params';
import { splitPrefix, zScore, type SplitPrefix, type UtteranceSpec } from './utterance';

/** One padded batch of encoder features. Masks are 1 for valid positions, 0 for padding. */
export interface MmerBatch {
  /** Audio frames [B, Ta, audioDim]. */
  readonly audio: tf.Tensor3D;
  /** [B, Ta]. */
  readonly audioMask: tf.Tensor2D;
  /** Text token vectors [B, Tt, textDim]. */
  readonly text: tf.Tensor3D;
  /** [B, Tt]. */
  readonly textMask: tf.Tensor2D;
}

/** Forward options. */
export interface MmerForwardOptions {
  /** Enables dropout. */
  readonly training: boolean;
  /** Dropout seed; ignored when not training. Same seed, same masks. */
  readonly seed?: number;
}

/** Which contrastive projection head: original view or augmented view. */
export type ProjectionView = 'orig' | 'aug';

/** Outputs of one forward pass; the caller owns (and disposes) the tensors, e.g. with `disposeMmerOutputs`. */
export interface MmerOutputs {
  /** Emotion logits [B, nLabels]. */
  readonly logits: tf.Tensor2D;
  /** [pooled audio (d); pooled fused text (d)] = [B, 2d]: the classifier's input and the contrastive heads' input. */
  readonly pooled: tf.Tensor2D;
  /** The shared audio block output A [B, Ta, d]; the CTC head and the fusion both read it. */
  readonly audioStates: tf.Tensor3D;
  /**
   * CTC logits [B, Ta, vocabSize] (unnormalised; blank = 0), computed when asked: only the CTC loss reads them, and a
   * head loaded for scoring alone has no CTC layer. Padded frames hold don't-care values. The caller owns the result.
   */
  ctcLogits(): tf.Tensor3D;
  /** Acoustic gate g = sigmoid(W[R; P]) [B, Tt, d], for inspection. */
  readonly gate: tf.Tensor3D;
  /** Contrastive projection Linear(2d,d)-GELU-Linear(d,d) of a pooled vector (usually `pooled`) → [B, d]. */
  projection(pooled: tf.Tensor2D, which: ProjectionView): tf.Tensor2D;
}

/** Contrastive projection head `proj_${which}`: Linear(2d, d) → GELU → Linear(d, d). */
export function mmerProjection(params: ParamStore, pooled: tf.Tensor2D, which: ProjectionView): tf.Tensor2D {
  return tf.tidy(() => {
    const h = gelu(linear(params, `proj_${which}.fc1`, pooled));
    return linear(params, `proj_${which}.fc2`, h) as tf.Tensor2D;
  });
}

function checkBatch(config: MmerConfig, batch: MmerBatch): void {
  const bad = (msg: string): never => {
    throw new AppError('bad-model', `MMER input does not fit the model: ${msg}.`);
  };
  const [b, ta, ad] = batch.audio.shape;
  const [tb, tt, td] = batch.text.shape;
  if (ad !== config.audioDim) bad(`audio frames have ${ad} values, the model expects ${config.audioDim}`);
  if (td !== config.textDim) bad(`text tokens have ${td} values, the model expects ${config.textDim}`);
  if (tb !== b) bad(`audio batch is ${b} but text batch is ${tb}`);
  const sameShape = (m: tf.Tensor2D, want: [number, number]): boolean =>
    m.shape[0] === want[0] && m.shape[1] === want[1];
  if (!sameShape(batch.audioMask, [b, ta]))
    bad(`audio mask shape [${batch.audioMask.shape.join(', ')}] is not [${b}, ${ta}]`);
  if (!sameShape(batch.textMask, [b, tt]))
    bad(`text mask shape [${batch.textMask.shape.join(', ')}] is not [${b}, ${tt}]`);
}

function checkStore(params: ParamStore, config: MmerConfig): void {
  const c = params.config;
  const keys = ['audioDim', 'textDim', 'hidden', 'heads', 'ffn', 'vocabSize', 'audioLayers'] as const;
  const diff =
    keys.find((k) => c[k] !== config[k]) ??
    (JSON.stringify(encoderLayersOf(c)) === JSON.stringify(encoderLayersOf(config)) ? undefined : 'encoderLayers');
  if (diff !== undefined || c.labels.length !== config.labels.length) {
    throw new AppError('bad-model', `MMER parameters were made for a different configuration (${diff ?? 'labels'}).`);
  }
}

/**
 * Runs the head on one batch.
 *
 * Audio: `encoderLayers` wav2vec2 layers → [audio_in] → `audioLayers` self-attention blocks → A. Text: [text_in] →
 * dropout → text_block → H.
 * B: H attends to proj_b(A) → P. C: proj_c(A) attends to H → C. D: H attends to C → R.
 * g = sigmoid(gate([R; P])), M = [R; g·P]; pooled = [maskedMax(A); text_pool(maskedMax(M))] → classifier.
 * CTC: ctc(dropout(A)).
 */
export function mmerForward(
  params: ParamStore,
  config: MmerConfig,
  batch: MmerBatch,
  options: MmerForwardOptions,
): MmerOutputs {
  checkStore(params, config);
  checkBatch(config, batch);
  const ctx: LayerContext = { params, config, training: options.training, seed: options.seed ?? 0 };
  const tensors = tf.tidy(() => {
    // Integer or boolean masks would make the additive mask integer-typed and break the float score addition.
    const spec = config.utterance;
    const prefix = spec === undefined ? null : splitPrefix(spec, batch.audio, tf.cast(batch.audioMask, 'float32'));
    const audioMask = prefix?.audioMask ?? tf.cast(batch.audioMask, 'float32');
    const textMask = tf.cast(batch.textMask, 'float32');
    let a: tf.Tensor3D = prefix?.audio ?? batch.audio;
    const enc = encoderLayersOf(config);
    const encDims = { hidden: config.audioDim, heads: enc.heads, layerNormEps: enc.layerNormEps };
    for (let i = 0; i < enc.count; i++) a = bertBlock(ctx, `encoder_layers.${i}`, a, a, audioMask, encDims);
    if (params.has('audio_in.weight')) a = linear(params, 'audio_in', a) as tf.Tensor3D;
    for (let i = 0; i < config.audioLayers; i++) a = bertBlock(ctx, `audio_layers.${i}`, a, a, audioMask);
    // With no projection and no layers A is the input itself; clone so the caller may dispose both independently.
    const audioStates = a === batch.audio ? tf.clone(a) : a;

    let t: tf.Tensor3D = batch.text;
    if (params.has('text_in.weight')) t = linear(params, 'text_in', t) as tf.Tensor3D;
    t = dropout(ctx, 'text_in.drop', t) as tf.Tensor3D;
    const h = bertBlock(ctx, 'text_block', t, t, textMask);

    // Block B reads proj_b(A) only through its keys and values, so it takes A and the projection's name: in the
    // cheaper order the projection folds into its weights (cross-attention.ts).
    const p = textOverFramesBlock(ctx, 'block_b', h, audioStates, 'audio_proj_b', audioMask);
    const audioC = linear(params, 'audio_proj_c', audioStates) as tf.Tensor3D;
    const c = framesOverTextBlock(ctx, 'block_c', audioC, h, textMask);
    const r = textOverFramesBlock(ctx, 'block_d', h, c, null, audioMask);

    const gate = tf.sigmoid(linear(params, 'gate', tf.concat([r, p], 2))) as tf.Tensor3D;
    const fused = tf.concat([r, tf.mul(gate, p)], 2) as tf.Tensor3D;
    const textPooled = linear(params, 'text_pool', maskedMax(fused, textMask));
    // Audio first, as the authors concatenate (classification_feats_audio, classification_feats_multimodal).
    const pooled = tf.concat([maskedMax(audioStates, audioMask), textPooled], 1) as tf.Tensor2D;
    const frameLogits = linear(params, 'classifier', pooled) as tf.Tensor2D;
    const logits =
      spec === undefined || prefix === null
        ? frameLogits
        : tf.add<tf.Tensor2D>(frameLogits, utteranceLogits(ctx, spec, prefix));
    return { logits, pooled, audioStates, gate };
  });
  return {
    ...tensors,
    ctcLogits: () => tf.tidy(() => linear(params, 'ctc', dropout(ctx, 'ctc.drop', tensors.audioStates)) as tf.Tensor3D),
    projection: (pooled, which) => mmerProjection(params, pooled, which),
  };
}

/**
 * Logits of the utterance statistics: the speaker branch where a speaker profile came with the clip, else the global
 * branch. While training, half the clips that have a profile go through the global branch instead (seeded), so one
 * run trains both and the head serves with or without adaptation.
 */
function utteranceLogits(ctx: LayerContext, spec: UtteranceSpec, p: SplitPrefix): tf.Tensor2D {
  const drop = (x: tf.Tensor2D, site: string): tf.Tensor2D =>
    ctx.training && spec.dropout > 0
      ? (tf.dropout(x, spec.dropout, undefined, `${ctx.seed}:${site}`) as tf.Tensor2D)
      : x;
  const global = linear(
    ctx.params,
    'utt_global',
    drop(zScore(p.raw, p.missing, spec.global), 'utt_global'),
  ) as tf.Tensor2D;
  const speaker = linear(
    ctx.params,
    'utt_speaker',
    drop(zScore(p.speaker, p.missing, spec.speaker), 'utt_speaker'),
  ) as tf.Tensor2D;
  let use = p.hasProfile;
  if (ctx.training)
    use = tf.mul(use, tf.cast(tf.less(tf.randomUniform(use.shape, 0, 1, 'float32', ctx.seed + 7919), 0.5), 'float32'));
  return tf.add(tf.mul(speaker, use), tf.mul(global, tf.sub(1, use)));
}

/** Disposes every tensor of a forward pass's outputs. */
export function disposeMmerOutputs(out: MmerOutputs): void {
  tf.dispose([out.logits, out.pooled, out.audioStates, out.gate]);
}
