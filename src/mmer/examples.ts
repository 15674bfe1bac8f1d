/**
 * Turning labelled audio into training examples: encoder features of the clip, features of its augmented view
 * (perturbed audio, word-dropped transcript) and the CTC target. Shared by the CLI and the browser trainer.
 */
import { transcriptToTargets, vocabFromJson } from '../asr/ctc';
import { WAV2VEC2_VOCAB } from '../asr/vocab';
import { encodeAudio } from '../pipeline/analyse';
import type { EncoderPair } from '../pipeline/load-encoders';
import { augmentAudio, wordDropout } from './augment';
import type { ClipFeatures } from './batch';
import type { TrainExample } from './trainer';

/** The CTC vocabulary heads train on: the audio encoder's own, or wav2vec2's for encoders without ASR. */
export function ctcVocab(encoders: EncoderPair): readonly string[] {
  return encoders.audio.hasAsr ? encoders.audio.vocab : vocabFromJson({ ...WAV2VEC2_VOCAB });
}

async function features(encoders: EncoderPair, pcm16k: Float32Array, transcript: string | null): Promise<ClipFeatures & { asr: string | null }> {
  const audio = await encodeAudio(encoders.audio, pcm16k);
  // Text features come from the gold transcript when there is one (as the authors do), else from the ASR output.
  const text = await encoders.text.encode(transcript ?? audio.transcript ?? '');
  return { audio: audio.hidden, text: text.hidden, asr: audio.transcript };
}

/**
 * Encodes one labelled clip. `augmentSeed` null skips the augmented view (validation and test clips need none).
 * A clip without a transcript gets no CTC target rather than a made-up one.
 */
export async function buildExample(
  encoders: EncoderPair,
  clip: { readonly pcm16k: Float32Array; readonly transcript: string | null; readonly label: number; readonly augmentedTranscript?: string | null },
  augmentSeed: number | null,
): Promise<TrainExample> {
  const own = await features(encoders, clip.pcm16k, clip.transcript);
  let augmented: ClipFeatures | null = null;
  if (augmentSeed !== null) {
    const audio = await encodeAudio(encoders.audio, augmentAudio(clip.pcm16k, augmentSeed));
    // The text view: a paraphrase the dataset ships (the authors' back-translations), else the ASR transcript of
    // the perturbed audio, else word dropout when there is no recogniser.
    const textView = clip.augmentedTranscript ?? audio.transcript ?? wordDropout(clip.transcript ?? '', augmentSeed);
    augmented = { audio: audio.hidden, text: (await encoders.text.encode(textView)).hidden };
  }
  const target = clip.transcript === null ? null : transcriptToTargets(clip.transcript, ctcVocab(encoders));
  return { audio: own.audio, text: own.text, label: clip.label, ctcTarget: target !== null && target.length > 0 ? target : null, augmented };
}
