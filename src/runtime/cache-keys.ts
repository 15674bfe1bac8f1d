/**
 * Where the model loader keeps each file in the byte store. A module of its own (no graph code) so the page can
 * check what is cached without loading the loader.
 */
import { sha256Hex } from './hash';
import type { FileRef, OnnxModelEntry } from './manifest';

/**
 * Cache key for a variant of a file. A query parameter, not a fragment: the Cache API ignores fragments when
 * matching, so `#variant` keys would all collapse onto one entry.
 */
export function variantKey(url: string, variant: string): string {
  const u = new URL(url);
  u.searchParams.set('mmer-variant', variant);
  return u.href;
}

/** Key of a side file (vocab, tokenizer, config): by URL, or by URL and hash when the manifest pins one. */
export function sideFileKey(url: string, ref: FileRef): string {
  return ref.sha256 === undefined ? url : variantKey(url, ref.sha256.slice(0, 16));
}

/**
 * Key of an edited graph. The plan and the expected hash are part of it: exposing another layer, or a manifest that
 * pins new weights, must not reuse a graph cached for the old ones.
 */
export async function editedGraphKey(
  url: string,
  entry: Pick<OnnxModelEntry, 'surgery'>,
  ref: FileRef,
): Promise<string> {
  const planKey = (
    await sha256Hex(new TextEncoder().encode(JSON.stringify([entry.surgery, ref.sha256 ?? null, ref.bytes ?? null])))
  ).slice(0, 16);
  return variantKey(url, `edited-${planKey}`);
}
