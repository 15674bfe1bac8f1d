/**
 * One loader for every model file: cache lookup, verified download with progress, graph surgery, cache write.
 * The edited graph is what gets cached, so surgery runs once per device, not once per visit.
 */
import { AppError } from '../core/errors';
import type { Dtype, LoadProgress } from './runtime-types';
import type { ByteStore } from './cache';
import { downloadVerified } from './download';
import { editedGraphKey, sideFileKey } from './cache-keys';
import { fileUrl, type FileRef, type Manifest, type OnnxModelEntry } from './manifest';
import { editModel } from './surgery';

export interface LoaderContext {
  readonly manifest: Manifest;
  /** Absolute URL of manifest.json; local model paths resolve against it. */
  readonly manifestUrl: string;
  readonly store: ByteStore;
  readonly onProgress: (p: LoadProgress) => void;
  readonly fetchImpl?: typeof fetch;
  readonly retryDelayMs?: number;
}

/**
 * A full disk or a storage quota must not stop the models from running: the file is used and simply fetched
 * again next visit.
 */
async function storeQuietly(ctx: LoaderContext, key: string, bytes: Uint8Array): Promise<void> {
  try {
    await ctx.store.put(key, bytes);
  } catch (err) {
    console.warn(`Model cache write failed for ${key}; it will be downloaded again next time.`, err);
  }
}

/**
 * Downloads one file of `model` with retries, size and hash checks, reporting byte progress under the model's id.
 * Shared by encoder graphs, their side files and built-in emotion heads.
 */
export async function fetchModelFile(
  ctx: LoaderContext,
  model: string,
  ref: FileRef,
  url: string,
): Promise<Uint8Array> {
  const file = ref.path;
  ctx.onProgress({ status: 'initiate', model, file });
  const bytes = await downloadVerified(url, {
    ...(ref.sha256 === undefined ? {} : { sha256: ref.sha256 }),
    ...(ref.bytes === undefined ? {} : { bytes: ref.bytes }),
    ...(ctx.fetchImpl === undefined ? {} : { fetchImpl: ctx.fetchImpl }),
    ...(ctx.retryDelayMs === undefined ? {} : { retryDelayMs: ctx.retryDelayMs }),
    onProgress: (loaded, total) => {
      ctx.onProgress({ status: 'progress', model, file, loaded, total: total ?? ref.bytes ?? null });
    },
    onRetry: (attempt, reason) => {
      ctx.onProgress({ status: 'retry', model, file, attempt, reason });
    },
  });
  if (ref.sha256 !== undefined) ctx.onProgress({ status: 'verify', model, file });
  return bytes;
}

/** Loads a side file (vocab, tokenizer, config) as parsed JSON, from the cache when present. */
export async function loadJsonFile(ctx: LoaderContext, entry: OnnxModelEntry, purpose: string): Promise<unknown> {
  const ref = entry.files[purpose];
  if (ref === undefined)
    throw new AppError('bad-manifest', `Model "${entry.id}" has no "${purpose}" file in the manifest.`);
  const url = fileUrl(ctx.manifest, ctx.manifestUrl, entry.source, ref);
  const key = sideFileKey(url, ref);
  let bytes = await ctx.store.get(key);
  const fromCache = bytes !== null;
  if (bytes === null) {
    bytes = await fetchModelFile(ctx, entry.id, ref, url);
    await storeQuietly(ctx, key, bytes);
  }
  ctx.onProgress({ status: 'done', model: entry.id, file: ref.path, fromCache, bytes: bytes.byteLength });
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch (err) {
    await ctx.store.delete(key);
    throw new AppError('bad-model', `${ref.path} of model "${entry.id}" is not valid JSON.`, { cause: err });
  }
}

/** Loads the ONNX graph of `entry` at `dtype`, edited by the manifest's surgery plan. */
export async function loadEditedModel(ctx: LoaderContext, entry: OnnxModelEntry, dtype: Dtype): Promise<Uint8Array> {
  const ref = entry.weights[dtype];
  if (ref === undefined) throw new AppError('bad-manifest', `Model "${entry.id}" has no ${dtype} weights.`);
  const url = fileUrl(ctx.manifest, ctx.manifestUrl, entry.source, ref);
  const key = await editedGraphKey(url, entry, ref);
  const cached = await ctx.store.get(key);
  if (cached !== null) {
    ctx.onProgress({ status: 'done', model: entry.id, file: ref.path, fromCache: true, bytes: cached.byteLength });
    return cached;
  }
  const original = await fetchModelFile(ctx, entry.id, ref, url);
  ctx.onProgress({ status: 'edit', model: entry.id, file: ref.path });
  const edited = editModel(original, entry.surgery);
  await storeQuietly(ctx, key, edited);
  ctx.onProgress({ status: 'done', model: entry.id, file: ref.path, fromCache: false, bytes: original.byteLength });
  return edited;
}
