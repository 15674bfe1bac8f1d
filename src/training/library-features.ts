/**
 * Library clips to training examples through the library's feature cache: the one encoding path of the page's
 * trainer and evaluator. A view is keyed by clip, revision, encoders and view, so a second run over the same clips
 * encodes nothing, and an edited transcript (a new revision) is encoded again.
 */
import { featureKey, type ClipLibrary, type LibraryClip } from '../data/library/library-types';
import { buildExample, type FeatureCache, type FeatureView } from './examples';
import type { TrainExample } from '../mmer/trainer';
import type { PairIdentity } from '../inference/head-target';
import type { EncoderPair } from '../inference/load-encoders';

/**
 * Bumped whenever the features of a view change for the same encoders (t2: text in one normalised form, none for a
 * pair without a recogniser), so features cached before are never mixed with new ones.
 */
const FEATURE_FORMAT = 't2';

/** Names the encoder setup in feature keys: pair, both encoders, the hidden state the audio encoder exposes, format. */
export function encoderKey(identity: PairIdentity): string {
  return `${identity.pair}:${identity.audio}+${identity.text}@${String(identity.hiddenStateLayer)}|${FEATURE_FORMAT}`;
}

/** The library's feature store as `buildExample` sees it for one clip; `hits` counts the views found there. */
function clipCache(library: ClipLibrary, clip: LibraryClip, encoders: string, counter: { hits: number }): FeatureCache {
  const key = (view: FeatureView): string => featureKey(clip, encoders, view);
  return {
    async get(view) {
      const found = await library.getFeatures(key(view));
      if (found === null) return null;
      counter.hits += 1;
      return { audio: found.audio, text: found.text, asr: found.asr };
    },
    async put(view, f) {
      // Best effort: a full disk only means this view is encoded again next time.
      await library.putFeatures({ key: key(view), clipId: clip.id, audio: f.audio, text: f.text, asr: f.asr });
    },
  };
}

/** A clip to encode: its label index and the seed of its augmented view (null: none, as for validation and test). */
export interface ClipToEncode {
  readonly clip: LibraryClip;
  readonly label: number;
  readonly augmentSeed: number | null;
}

/** What `encodeLibraryClips` made of each clip. */
export interface EncodedClips {
  readonly examples: { readonly clip: LibraryClip; readonly example: TrainExample }[];
  /** Clips that could not be encoded (audio missing, too short, silent), with the reason. */
  readonly skipped: { readonly clip: LibraryClip; readonly reason: string }[];
  /** Clips whose every view came from the cache. */
  readonly cached: number;
}

/** Dependencies of encoding library clips. */
export interface ClipEncoding {
  readonly library: ClipLibrary;
  readonly encoders: EncoderPair;
  readonly identity: PairIdentity;
}

/**
 * Encodes clips one after the other through the feature cache. `beforeClip` is awaited before each clip (a pause or
 * a cancellation lands there); `onProgress` follows every clip. A clip that cannot be encoded is skipped with its
 * reason rather than failing the whole run.
 */
export async function encodeLibraryClips(
  deps: ClipEncoding,
  items: readonly ClipToEncode[],
  hooks: {
    readonly beforeClip?: () => Promise<void>;
    readonly onProgress?: (done: number, total: number, cached: number) => void;
  } = {},
): Promise<EncodedClips> {
  const encoders = encoderKey(deps.identity);
  const examples: EncodedClips['examples'] = [];
  const skipped: EncodedClips['skipped'] = [];
  let cached = 0;
  for (const [i, { clip, label, augmentSeed }] of items.entries()) {
    await hooks.beforeClip?.();
    const counter = { hits: 0 };
    const pcm = async (): Promise<Float32Array> => {
      const audio = await deps.library.getAudio(clip.id);
      if (audio === null) throw new Error('its audio is missing from the library');
      return audio.pcm;
    };
    try {
      const example = await buildExample(
        deps.encoders,
        { pcm16k: pcm, transcript: clip.transcript, label },
        augmentSeed,
        clipCache(deps.library, clip, encoders, counter),
      );
      examples.push({ clip, example });
      if (counter.hits === (augmentSeed === null ? 1 : 2)) cached += 1;
    } catch (err) {
      skipped.push({ clip, reason: err instanceof Error ? err.message : String(err) });
    }
    hooks.onProgress?.(i + 1, items.length, cached);
  }
  return { examples, skipped, cached };
}
