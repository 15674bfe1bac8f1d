/**
 * Weight-free utterance-level acoustic features: set "e" (636 dims) of the weight-free feature study
 * (shared/reference/weight-free-features.md), i.e. b, 396 prosodic and spectral statistics, then a, 240 log-mel
 * statistics. One vector per clip and no learned weights; the study's best use of them is a linear model on
 * per-speaker z-scored vectors. tools/reference/utterance_features.py is the numpy/scipy reference of the same spec.
 */
import { frameTrack, type FrameTrack } from './frames';
import {
  mfccTrack,
  writeEnergy,
  writeF0,
  writeLogmelStats,
  writeMfcc,
  writeRate,
  writeSpectral,
  writeVoiceQuality,
  type ClipFrames,
} from './groups';
import { UTTERANCE_DIM, UTTERANCE_GROUPS } from './names';
import { VOICED_THRESHOLD, yinTrack, type YinTrack } from './yin';

export { UTTERANCE_DIM, UTTERANCE_FEATURE_NAMES, UTTERANCE_GROUPS, type UtteranceGroup } from './names';

const F0_MIN = 60;
const F0_MAX = 600;

function clipFrames(track: FrameTrack, yin: YinTrack): ClipFrames {
  const voicedMask = new Uint8Array(track.count);
  const voiced: number[] = [];
  const unvoicedSpeech: number[] = [];
  for (const t of track.speech) {
    const f0 = yin.f0[t] ?? 0;
    if ((yin.dPrime[t] ?? 1) < VOICED_THRESHOLD && f0 >= F0_MIN && f0 <= F0_MAX) {
      voicedMask[t] = 1;
      voiced.push(t);
    } else {
      unvoicedSpeech.push(t);
    }
  }
  return { track, yin, voicedMask, voiced: Int32Array.from(voiced), unvoicedSpeech: Int32Array.from(unvoicedSpeech) };
}

/**
 * Features of one clip: 16 kHz mono floats in [-1, 1], computed in float64 and returned as float32 in the order of
 * `UTTERANCE_FEATURE_NAMES`. NaN where a statistic is missing (e.g. F0 stats of a clip with no voiced frames);
 * a clip shorter than one 400-sample frame gives all NaN.
 */
export function utteranceFeatures(pcm16k: Float32Array): Float32Array {
  const out = new Float64Array(UTTERANCE_DIM).fill(Number.NaN);
  const track = frameTrack(pcm16k);
  if (track.count === 0) return Float32Array.from(out);
  const c = clipFrames(track, yinTrack(pcm16k, track.count));
  const g = UTTERANCE_GROUPS;
  writeF0(c, out, g.f0[0]);
  writeVoiceQuality(c, out, g.voiceQuality[0]);
  writeEnergy(c, out, g.energy[0]);
  writeRate(c, out, g.rate[0]);
  writeMfcc(c, mfccTrack(track), out, g.mfcc[0], g.dmfcc[0]);
  writeSpectral(c, out, g.spectralShape[0], g.spectralBalance[0]);
  writeLogmelStats(track, out, g.logmelStats[0]);
  return Float32Array.from(out);
}
