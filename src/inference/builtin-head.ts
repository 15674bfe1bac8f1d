/**
 * Fetches the two files of a built-in emotion head (listed under `heads` in manifest.json) with the same verified,
 * retrying download and byte progress as the encoders. No TensorFlow.js here: decoding happens in emotion-head.ts.
 */
import { AppError } from '../core/errors';
import { headFileUrl, type FileRef, type HeadEntry } from '../runtime/manifest';
import { fetchModelFile, planFetch, type LoaderContext } from '../runtime/model-loader';
import type { PlannedDownload } from '../runtime/download-queue';
import type { HeadFiles } from '../worker-api/protocol';
import type { FetchWhy, LoadProgress } from '../runtime/runtime-types';
import type { HeadOrigin } from './emotion-head';

/** Which use a built-in head is fetched for (the ledger's reason). */
export type HeadSlotName = Extract<FetchWhy, { kind: 'head' }>['slot'];

/** Whether bytes start like an HTML document (neither a head's JSON nor its safetensors can). */
function looksLikeHtml(bytes: Uint8Array): boolean {
  const start = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart().toLowerCase();
  return start.startsWith('<!doctype html') || start.startsWith('<html');
}

/** Where a head file is cached: pinned files only (see `headFile`). */
function headCacheKey(url: string, ref: FileRef): string | null {
  return ref.sha256 === undefined ? null : `${url}?mmer-sha256=${ref.sha256}`;
}

/** The download `fetchBuiltinHead` would make for the head's weights; null when they are cached. */
export function planHeadWeights(
  ctx: LoaderContext,
  entry: HeadEntry,
  slot: HeadSlotName,
): Promise<PlannedDownload | null> {
  const ref = entry.files.weights;
  const url = headFileUrl(ctx.manifestUrl, ref);
  const why: FetchWhy = { kind: 'head', slot, part: 'weights' };
  return planFetch(ctx, headCacheKey(url, ref), { model: entry.id, ref, url, why, trustFirstUse: false });
}

/**
 * One head file, from the cache when its hash is pinned. Unpinned files are always downloaded: cached by URL alone,
 * a regenerated or retrained head would silently keep its old bytes.
 */
async function headFile(ctx: LoaderContext, entry: HeadEntry, ref: FileRef, why: FetchWhy): Promise<Uint8Array> {
  const url = headFileUrl(ctx.manifestUrl, ref);
  const key = headCacheKey(url, ref);
  const cached = key === null ? null : await ctx.store.get(key);
  if (cached !== null) {
    ctx.onProgress({ status: 'done', model: entry.id, file: ref.path, fromCache: true, bytes: cached.byteLength, why });
    return cached;
  }
  const bytes = await fetchModelFile(ctx, entry.id, ref, url, why);
  if (looksLikeHtml(bytes)) {
    // Single-page-app servers (Vite's included) answer a missing file with index.html and status 200.
    throw new AppError(
      'download-failed',
      `The head file ${ref.path} is missing on the server (it answered with a web page instead).`,
    );
  }
  if (key !== null) {
    // A full cache must not stop the head from running: it is simply downloaded again next visit.
    await ctx.store.put(key, bytes).catch((err: unknown) => {
      console.warn(`Head cache write failed for ${url}.`, err);
    });
  }
  ctx.onProgress({ status: 'done', model: entry.id, file: ref.path, fromCache: false, bytes: bytes.byteLength, why });
  return bytes;
}

/**
 * Downloads a built-in head's config.json and model.safetensors, and for a training run its training.safetensors
 * when the head ships one (scoring never reads it, so other slots leave it on the server).
 * @throws AppError('download-failed' | 'integrity') from the download, or 'bad-model' when config.json is not UTF-8.
 */
export async function fetchBuiltinHead(ctx: LoaderContext, entry: HeadEntry, slot: HeadSlotName): Promise<HeadFiles> {
  const trainingRef = slot === 'training' ? entry.files.training : undefined;
  const [config, weights, training] = await Promise.all([
    headFile(ctx, entry, entry.files.config, { kind: 'head', slot, part: 'config' }),
    headFile(ctx, entry, entry.files.weights, { kind: 'head', slot, part: 'weights' }),
    trainingRef === undefined ? undefined : headFile(ctx, entry, trainingRef, { kind: 'head', slot, part: 'training' }),
  ]);
  let configJson: string;
  try {
    configJson = new TextDecoder('utf-8', { fatal: true }).decode(config);
  } catch (err) {
    throw new AppError('bad-model', `${entry.files.config.path} of head "${entry.id}" is not UTF-8 text.`, {
      cause: err,
    });
  }
  const source = headFileUrl(ctx.manifestUrl, entry.files.config).replace(/[^/]*$/, '');
  return { configJson, weights, source, ...(training === undefined ? {} : { training }) };
}

/**
 * A built-in head's files by manifest id, from the model cache or the server (a training run may start from one);
 * `ctx` is the last load's (null before any).
 */
export function builtinHeadById(
  ctx: LoaderContext | null,
  id: string,
  onProgress: (p: LoadProgress) => void = () => undefined,
): Promise<HeadFiles> {
  const entry = ctx?.manifest.heads.find((h) => h.id === id);
  if (ctx === null || entry === undefined)
    return Promise.reject(new AppError('training', `The app ships no head "${id}".`));
  return fetchBuiltinHead({ ...ctx, onProgress }, entry, 'training');
}

/** What the page is told about where a built-in head comes from: its id, description, license and model card. */
export function builtinOrigin(manifestUrl: string, entry: HeadEntry): HeadOrigin {
  const card = entry.files.card;
  return {
    kind: 'builtin',
    id: entry.id,
    description: entry.description,
    license: entry.license ?? null,
    cardUrl: card === undefined ? null : headFileUrl(manifestUrl, card),
  };
}
