/**
 * The fusion blocks' cross-attention between text tokens (T, tens) and audio frames (F, hundreds), computed in
 * whichever order of products costs less. Each order is the same function as `attention` in layers.ts; only the
 * association of the matrix products changes (see docs/decisions.md, "Cross-attention in the cheaper order").
 *
 * Few queries over many frames (blocks B and D; head h, keys and values y W + b, with y = x·Wp + bp in block B):
 * - scores: q_h (y Wk_h + bk_h)^T = (q_h Wk_h^T) y^T + q_h·bk_h. The last term is the same for every key, so the
 * keys are never projected: each query is mapped into the frames' space once (T·d² MACs) and dotted with the frames.
 * With y = x Wp + bp, Wk_h^T becomes (Wp Wk_h)^T, a product of weights computed once per set of weights.
 * - values: p_h (y Wv_h + bv_h) = (p_h y) Wv_h + rowsum(p_h)·bv_h: the frames are pooled first and projected after.
 * rowsum is 1 up to rounding without dropout, and not 1 with dropout on the probabilities: it is kept, so both
 * functions equal `attention` for any context, training included.
 * Many queries over few tokens (block C): q_h k_h^T = x (Wq_h k_h^T) + bq_h k_h^T, and Σ_h p_h v_h Wo_h =
 * Σ_h p_h (v_h Wo_h): the frames meet a [d, heads·T] matrix twice instead of two d×d projections.
 * The per-frame cost drops from O(d²) to O(heads·T·d), so it pays while heads·T is small against d (T up to about 60
 * at base size; block B, which also saves its frame projection, up to about 100); `reorderedCost` against `directCost`
 * decides per call, and long transcripts keep the direct order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { addBias, scaleAndMask } from './lean-grad';
import { additiveMask, bertBlock, blockAfterAttention, dimsOf, dropout, linear, type LayerContext } from './layers';

/** Sizes that decide the cost of one cross-attention (per batch item). */
export interface CrossSizes {
  /** Model width d, and its number of heads. */
  readonly hidden: number;
  readonly heads: number;
  /** Text tokens T and audio frames F (padded lengths). */
  readonly tokens: number;
  readonly frames: number;
}

/** Which block: text queries over projected frames (B), frames over text (C), text over block C's output (D). */
export type CrossKind = 'text-over-projected-frames' | 'frames-over-text' | 'text-over-frames';

/**
 * Multiply-adds per batch item of the parts of one block that depend on the order (projections of the frames,
 * scores, weighted sums): what `attention` does, plus block B's frame projection, which only its keys and values read.
 */
export function directCost(kind: CrossKind, s: CrossSizes): number {
  const { hidden: d, tokens: t, frames: f } = s;
  const attend = 2 * t * f * d;
  if (kind === 'frames-over-text') return 2 * f * d * d + attend;
  return (kind === 'text-over-projected-frames' ? 3 : 2) * f * d * d + attend;
}

/**
 * The same parts in the reordered form, any kind: two d×d maps per token (queries into the frames' space and back,
 * or Wq_h k_h^T and v_h Wo_h) and two products of the frames with heads·T vectors of width d.
 */
export function reorderedCost(s: CrossSizes): number {
  const { hidden: d, heads, tokens: t, frames: f } = s;
  return 2 * t * d * d + 2 * heads * t * f * d;
}

/**
 * Whether the reordered form costs less for a batch of `batch` items. Block B's weight products (Wp·Wk and Wp·Wv, 2·d³)
 * count only when they are made for this call (`perCall`: under a gradient tape); otherwise the store keeps them.
 */
export function reorderPays(kind: CrossKind, s: CrossSizes, batch = 1, perCall = false): boolean {
  const products = perCall && kind === 'text-over-projected-frames' ? 2 * s.hidden ** 3 : 0;
  return batch * reorderedCost(s) + products < batch * directCost(kind, s);
}

/**
 * Whether a pass takes the reordered order where it pays: inference only. Under autograd the reordered products keep
 * more for the backward pass than the direct ones (tfjs keeps every saved input until the pass ends): a base-size
 * training step at batch 8 peaked at 3.2 GB instead of 2.1 GB for 13 % less time (docs/decisions.md), and
 * memory-plan.ts budgets the direct order.
 */
function mayReorder(ctx: LayerContext): boolean {
  return !ctx.training;
}

/**
 * Products of weights, kept on the store (derived-weights.ts; made afresh under a gradient tape). One product per
 * block, cut into heads by one split, so each parameter is read once per pass as in the direct order.
 */
function weightProducts(
  ctx: LayerContext,
  key: string,
  sources: readonly tf.Variable[],
  make: () => tf.Tensor[],
): tf.Tensor[] {
  return ctx.params.derived.get(key, sources, make);
}

/**
 * a [B, M, K] · b [B, K, N] as one 2-D product per batch item. tfjs-wasm runs 2-D products through XNNPACK but batched
 * ones through a plain loop, about ten times slower at these sizes (measured in Node: [2, 288, 768]·[2, 768, 500]
 * 192 ms batched, 19 ms as two products); a transposed operand is as slow, so none is used here.
 */
function perItemMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const [n, m] = a.shape;
  const cols = b.shape[2];
  if (n === 1)
    return tf.reshape(tf.matMul(tf.reshape(a, a.shape.slice(1)), tf.reshape(b, b.shape.slice(1))), [1, m, cols]);
  const bs = tf.unstack(b);
  return tf.stack(tf.unstack(a).map((x, i) => tf.matMul(x as tf.Tensor2D, bs[i] as tf.Tensor2D))) as tf.Tensor3D;
}

/** Columns [h·dh, (h+1)·dh) of a [rows, heads·dh] matrix: head h's slice of a projection stored [in, out]. */
function headColumns(w: tf.Tensor, h: number, dh: number): tf.Tensor2D {
  return tf.slice(w as tf.Tensor2D, [0, h * dh], [-1, dh]);
}

/** Rows [h·dh, (h+1)·dh) of a [heads·dh, cols] matrix. */
function headRows(w: tf.Tensor, h: number, dh: number): tf.Tensor2D {
  return tf.slice(w as tf.Tensor2D, [h * dh, 0], [dh, -1]);
}

/** Per-head maps of a block's frames, with the frame projection Wp (block B) folded in. */
interface FrameMaps {
  /** [din, dh] each: Wp·Wk_h, or Wk_h. */
  readonly key: readonly tf.Tensor2D[];
  /** [din, dh] each: Wp·Wv_h, or Wv_h. */
  readonly value: readonly tf.Tensor2D[];
  /** [hidden]: bp·Wk + bk (it only shifts each query's scores; kept so the function is the same term for term). */
  readonly keyBias: tf.Tensor1D;
  /** [hidden]: bp·Wv + bv. */
  readonly valueBias: tf.Tensor1D;
}

function frameMaps(ctx: LayerContext, name: string, proj: string | null, heads: number): FrameMaps {
  const { params } = ctx;
  const [wk, bk, wv, bv] = ['k.weight', 'k.bias', 'v.weight', 'v.bias'].map((p) => params.get(`${name}.attn.${p}`));
  const projection = proj === null ? [] : [params.get(`${proj}.weight`), params.get(`${proj}.bias`)];
  const [wp, bp] = projection;
  const sources = [...projection, wk, bk, wv, bv] as tf.Variable[];
  const maps = weightProducts(ctx, `${name}|${proj ?? ''}`, sources, () => {
    // [Wk Wv] and, through the projection, [Wp; bp]·[Wk Wv]: its last row is bp·[Wk Wv], the bias part.
    const w = tf.concat([wk as tf.Tensor2D, wv as tf.Tensor2D], 1);
    const b = tf.concat([bk as tf.Tensor1D, bv as tf.Tensor1D]);
    let m: tf.Tensor = w;
    let bias: tf.Tensor = b;
    if (wp !== undefined && bp !== undefined) {
      const [din] = wp.shape as [number, number];
      const through = tf.matMul(tf.concat([wp, tf.expandDims(bp, 0)], 0), w);
      m = tf.slice(through, [0, 0], [din, -1]);
      bias = tf.add(tf.squeeze(tf.slice(through, [din, 0], [1, -1]), [0]), b);
    }
    return [...tf.split(m, 2 * heads, 1), ...tf.split(bias, 2)];
  });
  return {
    key: maps.slice(0, heads) as tf.Tensor2D[],
    value: maps.slice(heads, 2 * heads) as tf.Tensor2D[],
    keyBias: maps[2 * heads] as tf.Tensor1D,
    valueBias: maps[2 * heads + 1] as tf.Tensor1D,
  };
}

/** Per-head maps [hidden, B·T] → stacked per batch item with columns (head, token): [B, rows, heads·T]. */
function stackHeads(perHead: readonly tf.Tensor[], b: number, t: number): tf.Tensor3D {
  const rows = perHead[0]?.shape[0] ?? 0;
  const stacked = tf.stack(
    perHead.map((x) => tf.reshape(x, [rows, b, t])),
    2,
  );
  return tf.reshape(tf.transpose(stacked, [1, 0, 2, 3]), [b, rows, perHead.length * t]);
}

/**
 * `attention(ctx, name, query, y, mask)` with y = frames·Wp + bp (`proj`) or y = frames (`proj` null), computed
 * without projecting the frames: query [B, T, d], frames [B, F, din] → [B, T, d].
 */
export function fewQueryAttention(
  ctx: LayerContext,
  name: string,
  query: tf.Tensor3D,
  frames: tf.Tensor3D,
  proj: string | null,
  scoreMask: tf.Tensor4D,
): tf.Tensor3D {
  const { heads, hidden } = dimsOf(ctx, undefined);
  const dh = hidden / heads;
  const [b, t] = query.shape;
  const [, f, din] = frames.shape;
  const maps = frameMaps(ctx, name, proj, heads);
  const q = tf.reshape(linear(ctx.params, `${name}.attn.q`, query), [b * t, hidden]);
  const qT = tf.transpose(q);
  // (Wp Wk_h) q_h^T: every query in the frames' space, [din, heads·T] per item; one product with the frames then
  // scores all heads and queries at once.
  const inFrameSpace = stackHeads(
    maps.key.map((k, h) => tf.matMul(k, headRows(qT, h, dh))),
    b,
    t,
  );
  const raw = tf.reshape(perItemMatMul(frames, inFrameSpace), [b, f, heads, t]);
  const shift = tf.sum(tf.mul(tf.reshape(q, [b, t, heads, dh]), tf.reshape(maps.keyBias, [heads, dh])), -1);
  const scores = tf.add(tf.transpose(raw, [0, 2, 3, 1]), tf.expandDims(tf.transpose(shift, [0, 2, 1]), 3));
  const probs = dropout(ctx, `${name}.attn.probs`, tf.softmax(scaleAndMask(scores, Math.sqrt(dh), scoreMask), -1));
  const pooled = tf.reshape(perItemMatMul(tf.reshape(probs, [b, heads * t, f]), frames), [b, heads, t, din]);
  // Head h's pooled frames through its value map; concatenated head-major, as BERT merges heads.
  const context = tf.concat(
    maps.value.map((v, h) => tf.matMul(tf.reshape(tf.slice(pooled, [0, h, 0, 0], [b, 1, t, din]), [b * t, din]), v)),
    1,
  );
  const rowSums = tf.transpose(tf.sum(probs, -1, true), [0, 2, 1, 3]);
  const valueBias = tf.reshape(tf.mul(rowSums, tf.reshape(maps.valueBias, [heads, dh])), [b * t, hidden]);
  const merged = tf.reshape(tf.add(context, valueBias), [b, t, hidden]);
  return linear(ctx.params, `${name}.attn.o`, merged) as tf.Tensor3D;
}

/**
 * `attention(ctx, name, query, keyValue, mask)` for many queries (frames [B, F, d]) over few keys (tokens
 * [B, T, d]), with the query and output projections folded into the tokens' side → [B, F, d].
 */
export function manyQueryAttention(
  ctx: LayerContext,
  name: string,
  query: tf.Tensor3D,
  keyValue: tf.Tensor3D,
  scoreMask: tf.Tensor4D,
): tf.Tensor3D {
  const { params } = ctx;
  const { heads, hidden } = dimsOf(ctx, undefined);
  const dh = hidden / heads;
  const [b, f] = query.shape;
  const t = keyValue.shape[1];
  const wq = params.get(`${name}.attn.q.weight`);
  const wo = params.get(`${name}.attn.o.weight`);
  // Per-head blocks of Wq's columns and Wo's rows, each cut by one op (see weightProducts).
  const head = (w: tf.Variable, which: string, axis: number): tf.Tensor2D[] =>
    weightProducts(ctx, `${name}|${which}`, [w], () => tf.split(w, heads, axis)) as tf.Tensor2D[];
  const k = tf.reshape(linear(params, `${name}.attn.k`, keyValue), [b * t, hidden]);
  const v = tf.reshape(linear(params, `${name}.attn.v`, keyValue), [b * t, hidden]);
  const kT = tf.transpose(k);
  // Wq_h k_h^T: [d, heads·T] per item, so the frames meet every head's keys in one product.
  const scoreMap = stackHeads(
    head(wq, 'q', 1).map((w, h) => tf.matMul(w, headRows(kT, h, dh))),
    b,
    t,
  );
  const raw = tf.transpose(tf.reshape(perItemMatMul(query, scoreMap), [b, f, heads, t]), [0, 2, 1, 3]);
  const bq = tf.reshape(params.get(`${name}.attn.q.bias`), [heads, dh]);
  const biasScores = tf.expandDims(
    tf.transpose(tf.sum(tf.mul(tf.reshape(k, [b, t, heads, dh]), bq), -1), [0, 2, 1]),
    2,
  );
  const scores = scaleAndMask(tf.add(raw, biasScores), Math.sqrt(dh), scoreMask);
  const probs = dropout(ctx, `${name}.attn.probs`, tf.softmax(scores, -1));
  // v_h Wo_h: each token's value already through the output projection, [heads·T, d] per item.
  const valueOut = head(wo, 'o', 0).map((w, h) => tf.reshape(tf.matMul(headColumns(v, h, dh), w), [b, t, -1]));
  const values = tf.reshape<tf.Rank.R3>(tf.stack(valueOut, 1), [b, heads * t, -1]);
  const weights = tf.reshape<tf.Rank.R3>(tf.transpose(probs, [0, 2, 1, 3]), [b, f, heads * t]);
  return addBias(perItemMatMul(weights, values), params.get(`${name}.attn.o.bias`)) as tf.Tensor3D;
}

/**
 * A fusion block whose text queries [B, T, d] attend over frames [B, F, din]: projected by `proj` first (block B)
 * or as they are (`proj` null, block D). Same result as `bertBlock(ctx, name, query, proj(frames), frameMask)`.
 */
export function textOverFramesBlock(
  ctx: LayerContext,
  name: string,
  query: tf.Tensor3D,
  frames: tf.Tensor3D,
  proj: string | null,
  frameMask: tf.Tensor2D,
): tf.Tensor3D {
  const { heads, hidden } = dimsOf(ctx, undefined);
  const kind: CrossKind = proj === null ? 'text-over-frames' : 'text-over-projected-frames';
  const sizes = { hidden, heads, tokens: query.shape[1], frames: frames.shape[1] };
  if (!mayReorder(ctx) || !reorderPays(kind, sizes, query.shape[0], !ctx.params.derived.keeps())) {
    const keyValue = proj === null ? frames : (linear(ctx.params, proj, frames) as tf.Tensor3D);
    return bertBlock(ctx, name, query, keyValue, frameMask);
  }
  const attended = fewQueryAttention(ctx, name, query, frames, proj, additiveMask(frameMask));
  return blockAfterAttention(ctx, name, query, attended);
}

/** Block C: frames [B, F, d] attend over text [B, T, d]. Same result as `bertBlock(ctx, name, frames, text, mask)`. */
export function framesOverTextBlock(
  ctx: LayerContext,
  name: string,
  frames: tf.Tensor3D,
  text: tf.Tensor3D,
  textMask: tf.Tensor2D,
): tf.Tensor3D {
  const { heads, hidden } = dimsOf(ctx, undefined);
  const sizes = { hidden, heads, tokens: text.shape[1], frames: frames.shape[1] };
  if (!mayReorder(ctx) || !reorderPays('frames-over-text', sizes, frames.shape[0], !ctx.params.derived.keeps())) {
    return bertBlock(ctx, name, frames, text, textMask);
  }
  const attended = manyQueryAttention(ctx, name, frames, text, additiveMask(textMask));
  return blockAfterAttention(ctx, name, frames, attended);
}
