/**
 * Turning labelled audio into training examples: encoder features of the clip, features of its augmented view
 * (perturbed audio, word-dropped transcript) and the CTC target. Shared by the CLI and the library trainer (which
 * passes a `FeatureCache`, so a second run reads the features instead of encoding again).
 */
import { transcriptToTargets, vocabFromJson } from '../asr/ctc';
import { WAV2VEC2_VOCAB } from '../asr/vocab';
import { encodeAudio } from '../inference/analyse';
import type { FeatureMatrix } from '../encoders/types';
import type { EncoderPair } from '../inference/load-encoders';
import { augmentAudio } from '../mmer/augment';
import type { ClipFeatures } from '../mmer/batch';
import type { TrainExample } from '../mmer/trainer';

/** The CTC vocabulary heads train on: the audio encoder's own, or wav2vec2's for encoders without ASR. */
export function ctcVocab(encoders: EncoderPair): readonly string[] {
  return encoders.audio.hasAsr ? encoders.audio.vocab : vocabFromJson({ ...WAV2VEC2_VOCAB });
}

/** Which view of a clip: the clip itself, or its augmented view drawn with a seed. */
export type FeatureView = 'orig' | `aug-${number}`;

/** Encoder features of one view of a clip, and the transcript the ASR produced for it (null without ASR). */
export interface ViewFeatures {
  readonly audio: FeatureMatrix;
  readonly text: FeatureMatrix;
  readonly asr: string | null;
}

/**
 * Where `buildExample` looks for a view it has encoded before, and leaves the views it encodes (the clip library's
 * feature cache). A view must be keyed by everything it depends on: the clip's audio and transcript, the encoders and
 * the view (the seed of an augmented view).
 */
export interface FeatureCache {
  get(view: FeatureView): Promise<ViewFeatures | null>;
  put(view: FeatureView, features: ViewFeatures): Promise<void>;
}

/** A labelled clip to encode; `pcm16k` is only read when a view is not cached (it may come from storage). */
export interface ExampleSource {
  readonly pcm16k: Float32Array | (() => Promise<Float32Array>);
  readonly transcript: string | null;
  readonly label: number;
  /** A paraphrase the dataset ships for the augmented text view (the authors' back-translations). */
  readonly augmentedTranscript?: string | null;
}

async function encodeView(
  encoders: EncoderPair,
  pcm16k: Float32Array,
  transcript: string | null,
  augmentSeed: number | null,
  augmentedTranscript: string | null,
): Promise<ViewFeatures> {
  const audio = await encodeAudio(encoders.audio, augmentSeed === null ? pcm16k : augmentAudio(pcm16k, augmentSeed));
  // A pair without a recogniser has no text in use (no transcript to read), so it trains on none either: a head
  // trained on gold sentences would meet only empty text in the page.
  if (!encoders.audio.hasAsr) return { audio: audio.hidden, text: (await encoders.text.encode('')).hidden, asr: null };
  // Text features come from the gold transcript when there is one (as the authors do), else from the ASR output; the
  // augmented view reads a paraphrase the dataset ships, else the ASR transcript of the perturbed audio.
  const text =
    augmentSeed === null ? (transcript ?? audio.transcript ?? '') : (augmentedTranscript ?? audio.transcript ?? '');
  return { audio: audio.hidden, text: (await encoders.text.encode(text)).hidden, asr: audio.transcript };
}

/**
 * Encodes one labelled clip. `augmentSeed` null skips the augmented view (validation and test clips need none).
 * A clip without a transcript gets no CTC target rather than a made-up one. With `cache`, views found there are not
 * encoded again (and the audio is not even read when all are), and computed views are offered to it.
 */
export async function buildExample(
  encoders: EncoderPair,
  clip: ExampleSource,
  augmentSeed: number | null,
  cache?: FeatureCache,
): Promise<TrainExample> {
  let pcm: Promise<Float32Array> | null = null;
  const audio = (): Promise<Float32Array> =>
    (pcm ??= typeof clip.pcm16k === 'function' ? clip.pcm16k() : Promise.resolve(clip.pcm16k));
  const view = async (name: FeatureView, seed: number | null): Promise<ViewFeatures> => {
    const hit = await cache?.get(name);
    if (hit !== undefined && hit !== null) return hit;
    const computed = await encodeView(encoders, await audio(), clip.transcript, seed, clip.augmentedTranscript ?? null);
    await cache?.put(name, computed);
    return computed;
  };
  const own = await view('orig', null);
  const aug = augmentSeed === null ? null : await view(`aug-${augmentSeed}`, augmentSeed);
  const augmented: ClipFeatures | null = aug === null ? null : { audio: aug.audio, text: aug.text };
  const target = clip.transcript === null ? null : transcriptToTargets(clip.transcript, ctcVocab(encoders));
  return {
    audio: own.audio,
    text: own.text,
    label: clip.label,
    ctcTarget: target !== null && target.length > 0 ? target : null,
    augmented,
  };
}
