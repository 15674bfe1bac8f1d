/**
 * One clip through the pipeline: validate, split long clips into windows, one audio-encoder pass per window
 * (giving both the CTC transcript and the hidden states), then the text encoder on the transcript.
 */
import { ctcGreedyDecode } from '../asr/ctc';
import { checkClip, splitWindows } from '../audio/validate';
import type { EncoderPair } from './load-encoders';
import type { AudioEncoderModel, FeatureMatrix } from '../encoders/types';
import type { AnalysisSummary } from '../worker-api/protocol';
import { withUtterancePrefix } from '../mmer/utterance';
import { SAMPLE_RATE } from '../audio/rate';

/** Everything the pipeline computed for a clip; features stay where they were computed (worker or CLI). */
export interface Analysis {
  readonly summary: AnalysisSummary;
  readonly audioFeatures: FeatureMatrix;
  readonly textFeatures: FeatureMatrix;
}

function concatRows(parts: readonly FeatureMatrix[]): FeatureMatrix {
  const dim = parts[0]?.dim ?? 0;
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const data = new Float32Array(rows * dim);
  let offset = 0;
  for (const p of parts) {
    data.set(p.data.subarray(0, p.rows * dim), offset);
    offset += p.rows * dim;
  }
  return { rows, dim, data };
}

/**
 * Validates a clip and runs the audio encoder over it, window by window: one pass per window gives both the
 * hidden states (concatenated) and, with an ASR head, the CTC transcript.
 */
export async function encodeAudio(
  audio: AudioEncoderModel,
  pcm16k: Float32Array,
): Promise<{ hidden: FeatureMatrix; transcript: string | null; windows: number }> {
  checkClip(pcm16k, SAMPLE_RATE);
  const windows = splitWindows(pcm16k, SAMPLE_RATE);
  const hidden: FeatureMatrix[] = [];
  const words: string[] = [];
  for (const w of windows) {
    const enc = await audio.encode(w);
    hidden.push(enc.hidden);
    if (enc.logits !== null) {
      const { text } = ctcGreedyDecode(enc.logits.data, enc.logits.rows, enc.logits.dim, audio.vocab);
      if (text.length > 0) words.push(text);
    }
  }
  const frames = concatRows(hidden);
  // Statistics describe the whole clip, so they are computed once over it, not per window.
  const withStats = audio.utterance ? withUtterancePrefix(frames, audio.utterance.compute(pcm16k)) : frames;
  return { hidden: withStats, transcript: audio.hasAsr ? words.join(' ') : null, windows: windows.length };
}

/** Runs both encoders on one 16 kHz mono clip. Throws AppError for clips that fail validation. */
export async function analyseClip(encoders: EncoderPair, pcm16k: Float32Array): Promise<Analysis> {
  const t0 = performance.now();
  const { hidden: audioFeatures, transcript, windows } = await encodeAudio(encoders.audio, pcm16k);
  const t1 = performance.now();
  const text = await encoders.text.encode(transcript ?? '');
  const t2 = performance.now();
  return {
    summary: {
      transcript,
      durationS: pcm16k.length / SAMPLE_RATE,
      windows,
      audioFeatures: { frames: audioFeatures.rows, dim: audioFeatures.dim },
      textFeatures: { tokens: text.hidden.rows, dim: text.hidden.dim },
      timings: { audioMs: t1 - t0, textMs: t2 - t1, headMs: null },
      // Filled in by whoever holds an emotion head (the worker, see emotion-head.ts); the encoders give no scores.
      emotion: null,
    },
    audioFeatures,
    textFeatures: text.hidden,
  };
}
