/**
 * What happens to the emotion head after the worker loaded a pair: an active head made for other features is dropped
 * (with a notice), and the pair's first built-in head is loaded when no head is active. A built-in head that fails is
 * a notice, never a failed init.
 */
import { toErrorInfo } from '../core/errors';
import { headsForPair, type Manifest } from '../runtime/manifest';
import type { LoaderContext } from '../runtime/model-loader';
import type { HeadFiles, HeadInfo, HeadNotice } from '../worker-api/protocol';
import { builtinOrigin, fetchBuiltinHead } from './builtin-head';
import type { HeadOrigin } from './emotion-head';
import type { HeadRuntime } from './head-runtime';
import type { HeadTarget } from './head-target';

/** What settling needs of the worker. */
export interface SettleContext {
  /** The head runtime if it was ever started. */
  readonly runtime: HeadRuntime | null;
  /** What the loaded pair gives a head (rejects when its encoders cannot even be measured). */
  readonly target: () => Promise<HeadTarget>;
  /** Loads head files as the active head, checked against the loaded pair. */
  readonly activate: (files: HeadFiles, origin: HeadOrigin) => Promise<HeadInfo>;
}

/**
 * Settles the head for the newly loaded `pair` and returns the notices for the page. `builtin` false leaves the
 * pair's built-in head out (`?head=none`).
 */
export async function settleHead(
  worker: SettleContext,
  manifest: Manifest,
  ctx: LoaderContext,
  pair: string,
  builtin: boolean,
): Promise<HeadNotice[]> {
  const notices: HeadNotice[] = [];
  const { runtime } = worker;
  const active = runtime?.slot.info ?? null;
  if (runtime !== null && active !== null) {
    // A head that fits the new pair stays (re-initialising the same pair loses nothing); if the new encoders cannot
    // even be measured, the head cannot be trusted on them either.
    const fits = await worker.target().then(
      (t) => runtime.slot.mismatch(t) === null,
      () => false,
    );
    if (fits) return notices;
    runtime.slot.unload();
    notices.push({
      kind: 'dropped',
      name: active.name,
      headPair: active.pair,
      pair,
      message: `The emotion head "${active.name}" was removed: it was trained for pair "${active.pair}", and the page now uses "${pair}".`,
    });
  }
  const entry = builtin ? headsForPair(manifest, pair)[0] : undefined;
  if (entry === undefined) return notices;
  try {
    const files = await fetchBuiltinHead(ctx, entry, 'pair');
    await worker.activate(files, builtinOrigin(ctx.manifestUrl, entry));
    ctx.onProgress({ status: 'ready', model: entry.id, dtype: 'none' });
  } catch (err) {
    notices.push({ kind: 'builtin-failed', headId: entry.id, error: toErrorInfo(err) });
  }
  return notices;
}
