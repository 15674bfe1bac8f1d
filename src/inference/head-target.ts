/**
 * What a trained emotion head must have been trained on to run on a loaded pair: the encoder ids and which hidden
 * state of the audio encoder the graph edit exposes (from the manifest), and the feature widths (measured on the
 * loaded encoders, so encoder options such as frame stacking can never make the check disagree with the features).
 * No TensorFlow.js here.
 */
import { resolvePair, type Manifest } from '../runtime/manifest';
import type { EncoderPair } from './load-encoders';
import { SAMPLE_RATE } from '../audio/rate';

/** Which encoders and which audio hidden state a pair gives a head (a head's `encoders` must equal it). */
export interface PairIdentity {
  readonly pair: string;
  /** Audio encoder model id (e.g. `wav2vec2-base-960h`). */
  readonly audio: string;
  /** Text encoder model id (e.g. `roberta-base`). */
  readonly text: string;
  /** Which audio hidden state the graph edit exposes (`head-input`, or a transformer layer's output). */
  readonly hiddenStateLayer: 'head-input' | number;
}

/** The features of a loaded pair, as a head sees them. */
export interface HeadTarget extends PairIdentity {
  /** Width of one audio frame. */
  readonly audioDim: number;
  /** Width of one text token. */
  readonly textDim: number;
}

/** The encoders of `pairName` as the manifest names them. @throws AppError('bad-manifest') for an unknown pair. */
export function pairIdentity(manifest: Manifest, pairName: string): PairIdentity {
  const { audio, text } = resolvePair(manifest, pairName);
  return {
    pair: pairName,
    audio: audio.id,
    text: text.id,
    hiddenStateLayer: audio.format === 'onnx' ? audio.surgery.layer : 'head-input',
  };
}

/** Half a second of a quiet tone: long enough for every audio encoder to give at least one frame. */
function probeClip(): Float32Array {
  return Float32Array.from(
    { length: SAMPLE_RATE / 2 },
    (_, i) => 0.1 * Math.sin((2 * Math.PI * 220 * i) / SAMPLE_RATE),
  );
}

/**
 * Measures the feature widths by running both encoders once on a short probe (one small pass each). Done only when
 * a head is about to be loaded and no clip has been analysed yet, so pairs without a head never pay for it.
 */
export async function measureWidths(encoders: EncoderPair): Promise<{ audioDim: number; textDim: number }> {
  // A width the graph declares needs no pass: the probe holds the worker's thread for a second or two on a cold
  // load, while the head is still downloading. One after the other: two sessions at once on one backend gain nothing.
  const audioDim = encoders.audio.hiddenWidth ?? (await encoders.audio.encode(probeClip())).hidden.dim;
  const textDim = encoders.text.hiddenWidth ?? (await encoders.text.encode('probe')).hidden.dim;
  return { audioDim, textDim };
}

/** A hidden-state layer as stored in JSON, or null when the value is not one. */
export function layerValue(v: unknown): 'head-input' | number | null {
  return v === 'head-input' || (typeof v === 'number' && Number.isInteger(v) && v >= 0) ? v : null;
}

/**
 * The audio hidden state a head's config.json was trained on, when the head belongs to the loaded encoders (same
 * pair and model ids) and only the cut may differ; null otherwise (unreadable files, other encoders), so the regular
 * compatibility check reports those.
 */
export function headLayerFor(configJson: string, loaded: PairIdentity): 'head-input' | number | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(configJson);
  } catch {
    return null;
  }
  const e = typeof parsed === 'object' && parsed !== null ? (parsed as { encoders?: unknown }).encoders : undefined;
  if (typeof e !== 'object' || e === null) return null;
  const enc = e as Record<string, unknown>;
  if (enc.pair !== loaded.pair || enc.audio !== loaded.audio || enc.text !== loaded.text) return null;
  return layerValue(enc.hiddenStateLayer);
}
