/**
 * Functional building blocks of the MMER head over a ParamStore. Each layer reads its weights by name, so one
 * definition serves inference and training (tf.variableGrads sees the variables directly).
 * Layouts follow BERT as used by the authors (HuggingFace `BertLayer`): post-LayerNorm blocks, additive -10000 masks.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MmerConfig } from './config';
import { addBias, addResidual, leanDropout, leanGelu, leanLayerNorm, scaleAndMask } from './lean-grad';
import type { ParamStore } from './params';

/** What every layer needs besides its input: weights, sizes, and whether (and how) to drop out. */
export interface LayerContext {
  readonly params: ParamStore;
  readonly config: MmerConfig;
  /** Dropout is applied only when true. */
  readonly training: boolean;
  /** Seed of this forward pass; each dropout site derives its own stream from it and the site's name. */
  readonly seed: number;
}

/** What BERT adds to the attention scores of padded keys; exp(-10000) underflows to exactly 0 in float32. */
export const MASK_NEG = -10000;

/**
 * y = x·W + b over the last axis, with W stored [in, out] as `${name}.weight` and b as `${name}.bias`.
 * Leading axes are flattened so one 2-D matMul serves any rank.
 */
export function linear(params: ParamStore, name: string, x: tf.Tensor): tf.Tensor {
  const w = params.get(`${name}.weight`);
  const b = params.get(`${name}.bias`);
  const [inDim, outDim] = w.shape as [number, number];
  const lead = x.shape.slice(0, -1);
  const y = addBias(tf.matMul(tf.reshape(x, [-1, inDim]), w), b);
  return tf.reshape(y, [...lead, outDim]);
}

/**
 * LayerNorm over the last axis with biased variance, as torch computes it; gain and bias are `${name}.weight/.bias`.
 */
export function layerNorm(params: ParamStore, name: string, x: tf.Tensor, eps: number): tf.Tensor {
  return leanLayerNorm(x, params.get(`${name}.weight`), params.get(`${name}.bias`), eps);
}

/** Exact GELU, x·Φ(x) = x/2·(1 + erf(x/√2)), torch's default (not the tanh approximation). tf.erf has a gradient. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return leanGelu(x);
}

/**
 * Inverted dropout, only while training. The seed string ties the mask to (forward seed, site), so a step can be
 * replayed exactly and no two sites share a mask.
 */
export function dropout(ctx: LayerContext, site: string, x: tf.Tensor): tf.Tensor {
  if (!ctx.training || ctx.config.dropout === 0) return x;
  return leanDropout(x, ctx.config.dropout, `${ctx.seed}:${site}`);
}

/** [B, Tk] validity mask (1 valid, 0 pad) → [B, 1, 1, Tk] additive score bias (0 or -10000). */
export function additiveMask(mask: tf.Tensor2D): tf.Tensor4D {
  const [b, t] = mask.shape;
  return tf.reshape(tf.mul(tf.sub(1, mask), MASK_NEG), [b, 1, 1, t]);
}

/** Width, heads and LayerNorm epsilon of one block; the head's own blocks take them from the config. */
export interface BlockDims {
  readonly hidden: number;
  readonly heads: number;
  readonly layerNormEps: number;
}

/** The given dims, or the head's own (config) when none are given. */
export function dimsOf(ctx: LayerContext, dims: BlockDims | undefined): BlockDims {
  return dims ?? { hidden: ctx.config.hidden, heads: ctx.config.heads, layerNormEps: ctx.config.layerNormEps };
}

/** [B, T, d] → [B, heads, T, d/heads]. */
function splitHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
  const [b, t, d] = x.shape as [number, number, number];
  return tf.transpose(tf.reshape(x, [b, t, heads, d / heads]), [0, 2, 1, 3]);
}

/**
 * Multi-head scaled dot-product attention with q/k/v/o projections (`${name}.attn.{q,k,v,o}`).
 * `query` [B, Tq, d] attends over `keyValue` [B, Tk, d]; `scoreMask` [B, 1, 1, Tk] is added to the scores.
 * Attention probabilities go through dropout as in BERT. Returns [B, Tq, d] after the output projection.
 */
export function attention(
  ctx: LayerContext,
  name: string,
  query: tf.Tensor3D,
  keyValue: tf.Tensor3D,
  scoreMask: tf.Tensor4D,
  dims?: BlockDims,
): tf.Tensor3D {
  const { heads, hidden } = dimsOf(ctx, dims);
  const [b, tq] = query.shape;
  const q = splitHeads(linear(ctx.params, `${name}.attn.q`, query), heads);
  const k = splitHeads(linear(ctx.params, `${name}.attn.k`, keyValue), heads);
  const v = splitHeads(linear(ctx.params, `${name}.attn.v`, keyValue), heads);
  const scores = scaleAndMask(tf.matMul(q, k, false, true), Math.sqrt(hidden / heads), scoreMask);
  const probs = dropout(ctx, `${name}.attn.probs`, tf.softmax(scores, -1));
  const context = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [b, tq, hidden]);
  return linear(ctx.params, `${name}.attn.o`, context) as tf.Tensor3D;
}

/**
 * One post-LN BERT layer: LN(q + drop(attn(q, kv))), then LN(h + drop(W2·gelu(W1·h))).
 * With `keyValue === query` it is self-attention; otherwise cross-attention whose residual is the query, which is
 * why block C's residual is the projected audio. wav2vec2-base's encoder layer has the same shape (it scales the
 * queries rather than the scores, which is the same product), so `dims` lets it run here at its own width and eps.
 */
export function bertBlock(
  ctx: LayerContext,
  name: string,
  query: tf.Tensor3D,
  keyValue: tf.Tensor3D,
  keyMask: tf.Tensor2D,
  dims?: BlockDims,
): tf.Tensor3D {
  const attended = attention(ctx, name, query, keyValue, additiveMask(keyMask), dims);
  return blockAfterAttention(ctx, name, query, attended, dims);
}

/**
 * The rest of a BERT layer once its attention output (after the output projection) is known: dropout, residual and
 * LayerNorm, then the feed-forward half. Split out so an attention computed in another order (cross-attention.ts)
 * shares it.
 */
export function blockAfterAttention(
  ctx: LayerContext,
  name: string,
  query: tf.Tensor3D,
  attention: tf.Tensor3D,
  dims?: BlockDims,
): tf.Tensor3D {
  const { params } = ctx;
  const eps = dimsOf(ctx, dims).layerNormEps;
  const attended = dropout(ctx, `${name}.attn.out`, attention);
  const h = layerNorm(params, `${name}.attn_ln`, addResidual(query, attended), eps);
  const inner = gelu(linear(params, `${name}.ffn.in`, h));
  const out = dropout(ctx, `${name}.ffn.drop`, linear(params, `${name}.ffn.out`, inner));
  return layerNorm(params, `${name}.ffn_ln`, addResidual(h, out), eps) as tf.Tensor3D;
}

/** The value that padded positions take before max pooling, as in the authors' code. */
export const POOL_NEG = -9999.9999;

/**
 * Max over time of `x` [B, T, D] where `mask` [B, T] is 1; padded positions are replaced (not offset) by -9999.9999,
 * so even huge padded values cannot win. Returns [B, D].
 */
export function maskedMax(x: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
  const valid = tf.broadcastTo(tf.expandDims(tf.greater(mask, 0.5), 2), x.shape);
  return tf.max(tf.where(valid, x, tf.fill(x.shape, POOL_NEG)), 1);
}
