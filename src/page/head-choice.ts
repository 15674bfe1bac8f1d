/**
 * Which head classifies for a pair, as the person chose it: a head of the clip library, no head at all (the embedded
 * stand-in scores), or head files kept in memory where the library cannot store them. Absent: the pair's built-in
 * head. Saved per pair in the library's settings, so a reload or a restarted worker applies it again.
 */
import type { ClipLibrary, StoredHeadInfo } from '../data/library/library-types';
import type { HeadFiles, HeadInfo } from '../worker-api/protocol';
import { trainingOf } from './head-files';

/** A person's choice of head for one pair. */
export type HeadChoice =
  | { readonly kind: 'stored'; readonly pair: string; readonly id: string; readonly name: string }
  | { readonly kind: 'files'; readonly pair: string; readonly files: HeadFiles; readonly name: string }
  | { readonly kind: 'none'; readonly pair: string };

/** The setting value for "no head" (stored head ids are UUIDs, so it cannot clash with one). */
const NONE = 'none';

const keyOf = (pair: string) => `activeHead:${pair}` as const;

/**
 * The choice saved for `pair`, or null (the built-in head); a saved head no longer in the library counts as none saved.
 */
export async function savedChoice(store: ClipLibrary, pair: string): Promise<HeadChoice | null> {
  const value = await store.getSetting(keyOf(pair));
  if (value === null) return null;
  if (value === NONE) return { kind: 'none', pair };
  const info = (await store.listHeads()).find((h) => h.id === value);
  return info === undefined ? null : { kind: 'stored', pair, id: info.id, name: info.name };
}

/** Saves `choice` for its pair (files kept in memory are not saved: there is no library to keep them). */
export async function saveChoice(store: ClipLibrary, choice: HeadChoice): Promise<void> {
  if (choice.kind === 'files') return;
  await store.setSetting(keyOf(choice.pair), choice.kind === 'none' ? NONE : choice.id);
}

/**
 * Keeps an imported head (its files, as the worker accepted them: `h`) in the library and returns the choice naming
 * it. Throws what the library throws (a full disk, for one).
 */
export async function storeImported(
  store: ClipLibrary,
  pair: string,
  files: HeadFiles,
  h: HeadInfo,
): Promise<HeadChoice> {
  const info: StoredHeadInfo = {
    id: crypto.randomUUID(),
    name: h.name,
    pair: h.pair,
    labels: h.labels,
    metrics: h.metrics,
    training: trainingOf(files.configJson),
    createdAt: h.createdAt,
    origin: 'imported',
  };
  const { configJson, weights, training } = files;
  await store.putHead(info, { configJson, weights, ...(training === undefined ? {} : { training }) });
  return { kind: 'stored', pair, id: info.id, name: info.name };
}
