/**
 * One loader for every model file: cache lookup, verified download with progress, graph surgery, cache write.
 * The edited graph is what gets cached, so surgery runs once per device, not once per visit. A cached entry that no
 * longer verifies is dropped by the store (`ByteStore.get` answers null), so it is simply downloaded again.
 */
import { AppError } from '../core/errors';
import type { Dtype, FetchWhy, LoadProgress } from './runtime-types';
import type { ByteStore } from './cache';
import { downloadVerified, IntegrityError } from './download';
import { sha256Hex } from './hash';
import { readPin, recordPin, type FilePin } from './pins';
import { editedGraphKey, sideFileKey } from './cache-keys';
import { fileUrl, type FileRef, type Manifest, type OnnxModelEntry } from './manifest';
import { editModel, recutModel } from './surgery';
import type { DownloadQueue, PlannedDownload } from './download-queue';

export interface LoaderContext {
  readonly manifest: Manifest;
  /** Absolute URL of manifest.json; local model paths resolve against it. */
  readonly manifestUrl: string;
  readonly store: ByteStore;
  readonly onProgress: (p: LoadProgress) => void;
  readonly fetchImpl?: typeof fetch;
  readonly retryDelayMs?: number;
  /** Downloads planned ahead for this load; a file found there is not fetched again (download-queue.ts). */
  readonly downloads?: DownloadQueue;
  /** Aborts this context's downloads (a planned download whose load has ended). */
  readonly signal?: AbortSignal;
}

/**
 * A planned download of one file: the very fetch its reader would make, run by the queue (without the queue, so it
 * cannot wait on itself). Null when the store holds `cacheKey`, where the reader will find the file.
 */
export async function planFetch(
  ctx: LoaderContext,
  cacheKey: string | null,
  args: { model: string; ref: FileRef; url: string; why: FetchWhy; trustFirstUse: boolean },
): Promise<PlannedDownload | null> {
  // A store that cannot look without reading counts as holding the file: its reader then fetches it as before.
  if (cacheKey !== null && (ctx.store.has === undefined || (await ctx.store.has(cacheKey)))) return null;
  const { model, ref, url, why, trustFirstUse } = args;
  return {
    url,
    bytes: ref.bytes ?? ref.downloadBytes ?? 0,
    fetch: (signal) => fetchModelFile({ ...ctx, downloads: undefined, signal }, model, ref, url, why, trustFirstUse),
  };
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

/** The refusal of a file whose bytes differ from the ones this device downloaded first. */
function changedUpstream(model: string, ref: FileRef, pin: FilePin, err: IntegrityError): AppError {
  return new AppError(
    'changed-upstream',
    `The file ${ref.path} of model "${model}" changed upstream since it was first downloaded on this device ` +
      `(${pin.firstSeen.slice(0, 10)}; ${err.reason}). It was not used. If its publisher changed it on purpose, ` +
      `accept the new files (the page offers it; for the CLI, delete its model cache folder) and load again.`,
    { cause: err },
  );
}

/**
 * Downloads one file of `model` with retries, size and hash checks, reporting byte progress under the model's id.
 * Shared by encoder graphs, their side files and built-in emotion heads. With `trustFirstUse` (hub files), a file
 * the manifest gives no hash for is held to the pin recorded at its first download on this device, and its first
 * download records one (`pins.ts`).
 * @throws AppError('integrity') for a wrong size or hash, 'changed-upstream' for a file that changed since its first
 *   download on this device.
 */
export async function fetchModelFile(
  ctx: LoaderContext,
  model: string,
  ref: FileRef,
  url: string,
  why: FetchWhy,
  trustFirstUse = false,
): Promise<Uint8Array> {
  const planned = ctx.downloads?.take(url);
  if (planned != null) return planned;
  const file = ref.path;
  const tofu = trustFirstUse && ref.sha256 === undefined;
  const pin = tofu ? await readPin(ctx.store, url) : null;
  const sha256 = ref.sha256 ?? pin?.sha256;
  const size = ref.bytes ?? pin?.bytes;
  ctx.onProgress({ status: 'initiate', model, file, total: size ?? ref.downloadBytes ?? null, why });
  let bytes: Uint8Array;
  try {
    bytes = await downloadVerified(url, {
      ...(sha256 === undefined ? {} : { sha256 }),
      ...(size === undefined ? {} : { bytes: size }),
      ...(ctx.fetchImpl === undefined ? {} : { fetchImpl: ctx.fetchImpl }),
      ...(ctx.retryDelayMs === undefined ? {} : { retryDelayMs: ctx.retryDelayMs }),
      ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
      onProgress: (loaded, total) => {
        ctx.onProgress({ status: 'progress', model, file, loaded, total: total ?? size ?? null });
      },
      onRetry: (attempt, reason) => {
        ctx.onProgress({ status: 'retry', model, file, attempt, reason });
      },
    });
  } catch (err) {
    if (pin !== null && err instanceof IntegrityError) throw changedUpstream(model, ref, pin, err);
    throw err;
  }
  if (sha256 !== undefined) ctx.onProgress({ status: 'verify', model, file });
  if (tofu && pin === null) {
    const first = { url, sha256: await sha256Hex(bytes), bytes: bytes.byteLength, firstSeen: new Date().toISOString() };
    // Like a cache write, a pin that cannot be stored must not stop the model: the next download records one.
    await recordPin(ctx.store, first).catch((err: unknown) => {
      console.warn(`Could not record the pin of ${url}.`, err);
    });
  }
  return bytes;
}

/**
 * Loads a side file (vocab, tokenizer, config) as parsed JSON, from the cache when present. `use`: whether inference
 * reads it or only a training run (the ledger's reason).
 */
export async function loadJsonFile(
  ctx: LoaderContext,
  entry: OnnxModelEntry,
  purpose: string,
  use: 'inference' | 'training' = 'inference',
): Promise<unknown> {
  const ref = entry.files[purpose];
  if (ref === undefined)
    throw new AppError('bad-manifest', `Model "${entry.id}" has no "${purpose}" file in the manifest.`);
  const url = fileUrl(ctx.manifest, ctx.manifestUrl, entry.source, ref);
  const key = sideFileKey(url, ref);
  let bytes = await ctx.store.get(key);
  const fromCache = bytes !== null;
  const why: FetchWhy = { kind: 'side-file', role: entry.role, purpose, use };
  if (bytes === null) {
    bytes = await fetchModelFile(ctx, entry.id, ref, url, why, entry.source.type === 'hub');
    await storeQuietly(ctx, key, bytes);
  }
  ctx.onProgress({ status: 'done', model: entry.id, file: ref.path, fromCache, bytes: bytes.byteLength, why });
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch (err) {
    await ctx.store.delete(key);
    throw new AppError('bad-model', `${ref.path} of model "${entry.id}" is not valid JSON.`, { cause: err });
  }
}

/**
 * The graph cached for `before` (the same model under another surgery plan), edited to `entry`'s plan instead; null
 * when that graph is not cached or cannot be re-cut (a head that was cut off).
 */
async function recutCached(
  ctx: LoaderContext,
  url: string,
  ref: FileRef,
  entry: OnnxModelEntry,
  before: OnnxModelEntry,
): Promise<Uint8Array | null> {
  const cached = await ctx.store.get(await editedGraphKey(url, before, ref));
  if (cached === null) return null;
  try {
    return recutModel(cached, before.surgery, entry.surgery);
  } catch (err) {
    // A graph that does not re-cut is downloaded instead, as if nothing had been cached.
    console.warn(`Could not move the cut of ${ref.path} in the cached graph; it is downloaded again.`, err);
    return null;
  }
}

/**
 * The graph file of `entry` at `dtype` and how it is fetched: one definition for the load and its plan, so a planned
 * download is the very fetch the load would make. Undefined when the manifest lists no such file.
 */
function graphFile(
  ctx: LoaderContext,
  entry: OnnxModelEntry,
  dtype: Dtype,
): { model: string; ref: FileRef; url: string; why: FetchWhy; trustFirstUse: boolean } | undefined {
  const ref = entry.weights[dtype];
  if (ref === undefined) return undefined;
  const url = fileUrl(ctx.manifest, ctx.manifestUrl, entry.source, ref);
  const why: FetchWhy = { kind: 'graph', role: entry.role, dtype };
  return { model: entry.id, ref, url, why, trustFirstUse: entry.source.type === 'hub' };
}

/** The download `loadEditedModel` would make for `entry` at `dtype`; null when its edited graph is cached. */
export async function planGraph(
  ctx: LoaderContext,
  entry: OnnxModelEntry,
  dtype: Dtype,
): Promise<PlannedDownload | null> {
  const file = graphFile(ctx, entry, dtype);
  if (file === undefined) return null;
  return planFetch(ctx, await editedGraphKey(file.url, entry, file.ref), file);
}

/**
 * Loads the ONNX graph of `entry` at `dtype`, edited by the manifest's surgery plan. `before`: the same model as it
 * was loaded under another plan (a moved cut); its cached graph is re-cut rather than the file downloaded again.
 */
export async function loadEditedModel(
  ctx: LoaderContext,
  entry: OnnxModelEntry,
  dtype: Dtype,
  before?: OnnxModelEntry,
): Promise<Uint8Array> {
  const file = graphFile(ctx, entry, dtype);
  if (file === undefined) throw new AppError('bad-manifest', `Model "${entry.id}" has no ${dtype} weights.`);
  const { ref, url, why } = file;
  const key = await editedGraphKey(url, entry, ref);
  const cached = await ctx.store.get(key);
  if (cached !== null) {
    ctx.onProgress({ status: 'done', model: entry.id, file: ref.path, fromCache: true, bytes: cached.byteLength, why });
    return cached;
  }
  const recut = before === undefined ? null : await recutCached(ctx, url, ref, entry, before);
  if (recut !== null) {
    await storeQuietly(ctx, key, recut);
    ctx.onProgress({ status: 'done', model: entry.id, file: ref.path, fromCache: true, bytes: recut.byteLength, why });
    return recut;
  }
  const original = await fetchModelFile(ctx, entry.id, ref, url, why, file.trustFirstUse);
  ctx.onProgress({ status: 'edit', model: entry.id, file: ref.path });
  const edited = editModel(original, entry.surgery);
  await storeQuietly(ctx, key, edited);
  ctx.onProgress({
    status: 'done',
    model: entry.id,
    file: ref.path,
    fromCache: false,
    bytes: original.byteLength,
    why,
  });
  return edited;
}
