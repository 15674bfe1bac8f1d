/**
 * The feature groups: each writer turns frame tracks into its slice of the vector, in the order names.ts gives.
 * Frame selections are index lists (speech, voiced, unvoiced speech) so every statistic sees the frames' real times.
 */
import { FRAME_SECONDS, N_MELS, type FrameTrack } from './frames';
import { BALANCE_TRACKS, N_MFCC } from './names';
import { findPeaks } from './peaks';
import { N_SPECTRUM_DESCRIPTORS } from './spectral';
import { meanSd, N_STATS, select, sevenStats } from './stats';
import type { YinTrack } from './yin';

/** Everything the writers share for one clip. */
export interface ClipFrames {
  readonly track: FrameTrack;
  readonly yin: YinTrack;
  /** 1 for voiced frames: speech, d' < 0.30 and 60 <= F0 <= 600 Hz. */
  readonly voicedMask: Uint8Array;
  readonly voiced: Int32Array;
  readonly unvoicedSpeech: Int32Array;
}

/** Column `c` of a frame-major matrix with `width` columns. */
function column(matrix: Float64Array, width: number, c: number, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let t = 0; t < count; t++) out[t] = matrix[t * width + c] ?? 0;
  return out;
}

/** x_t - x_(t-1), with 0 for the first frame so that every frame (frame 0 included) has a value. */
function delta(x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let t = 1; t < x.length; t++) out[t] = (x[t] ?? 0) - (x[t - 1] ?? 0);
  return out;
}

/** Frames t >= 1 where t - 1 and t are both voiced: the pairs behind rise/fall, jitter and shimmer. */
function voicedPairs(c: ClipFrames): number[] {
  const pairs: number[] = [];
  for (let t = 1; t < c.voicedMask.length; t++) if (c.voicedMask[t] && c.voicedMask[t - 1]) pairs.push(t);
  return pairs;
}

/** F0 (9): 7 stats of semitones re 27.5 Hz over voiced frames, then mean rise and mean fall between voiced pairs. */
export function writeF0(c: ClipFrames, out: Float64Array, at: number): void {
  const st = c.yin.f0.map((f) => 12 * Math.log2(f / 27.5));
  sevenStats(st, c.voiced, FRAME_SECONDS, out, at);
  const rises: number[] = [];
  const falls: number[] = [];
  for (const t of voicedPairs(c)) {
    const d = (st[t] ?? 0) - (st[t - 1] ?? 0);
    if (d > 0) rises.push(d);
    else if (d < 0) falls.push(d);
  }
  // The spec gives 0, not missing, when a clip has no rise (or no fall).
  out[at + N_STATS] = rises.length > 0 ? meanSd(rises)[0] : 0;
  out[at + N_STATS + 1] = falls.length > 0 ? meanSd(falls)[0] : 0;
}

/** Voice quality (18): HNR proxy over voiced frames, voicing probability over speech frames, jitter, shimmer. */
export function writeVoiceQuality(c: ClipFrames, out: Float64Array, at: number): void {
  const hnr = c.yin.dPrime.map((d) => {
    const dc = Math.min(0.999, Math.max(0.001, d));
    return 10 * Math.log10((1 - dc) / dc);
  });
  sevenStats(hnr, c.voiced, FRAME_SECONDS, out, at);
  const prob = c.yin.dPrime.map((d) => Math.min(1, Math.max(0, 1 - d)));
  sevenStats(prob, c.track.speech, FRAME_SECONDS, out, at + N_STATS);
  const period = c.yin.f0.map((f) => 1 / f);
  const [meanPeriod] = meanSd(select(period, c.voiced));
  const pairs = voicedPairs(c);
  const e = c.track.energyDb;
  const jitter = pairs.map((t) => Math.abs((period[t] ?? 0) - (period[t - 1] ?? 0)) / meanPeriod);
  const shimmer = pairs.map((t) => Math.abs((e[t] ?? 0) - (e[t - 1] ?? 0)));
  out.set(meanSd(jitter), at + 2 * N_STATS);
  out.set(meanSd(shimmer), at + 2 * N_STATS + 2);
}

/** Energy (21): 7 stats of E, loudness and delta-E over speech frames. */
export function writeEnergy(c: ClipFrames, out: Float64Array, at: number): void {
  const { energyDb, loudness, speech } = c.track;
  [energyDb, loudness, delta(energyDb)].forEach((x, i) => {
    sevenStats(x, speech, FRAME_SECONDS, out, at + i * N_STATS);
  });
}

/** Maximal runs [start, end] (inclusive) of voiced frames lasting at least two frames. */
function voicedRuns(mask: Uint8Array): [number, number][] {
  const runs: [number, number][] = [];
  let t = 0;
  while (t < mask.length) {
    if (!mask[t]) {
      t++;
      continue;
    }
    const start = t;
    while (t < mask.length && mask[t]) t++;
    if (t - start >= 2) runs.push([start, t - 1]);
  }
  return runs;
}

/** 5-frame moving average with the edge frames repeated (the spec's edge rule for deltas, used here too). */
function smooth5(x: Float64Array): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    let s = 0;
    for (let k = -2; k <= 2; k++) s += x[Math.min(n - 1, Math.max(0, t + k))] ?? 0;
    out[t] = s / 5;
  }
  return out;
}

/** Rate and timing (9); durations in seconds, rates per second of speech. */
export function writeRate(c: ClipFrames, out: Float64Array, at: number): void {
  const { count, speech, energyDb } = c.track;
  const speechSeconds = speech.length * FRAME_SECONDS;
  const runs = voicedRuns(c.voicedMask);
  const lengths = runs.map(([s, e]) => (e - s + 1) * FRAME_SECONDS);
  const gaps = runs.slice(1).map(([s], i) => (s - (runs[i]?.[1] ?? 0) - 1) * FRAME_SECONDS);
  const smoothed = smooth5(energyDb);
  // Pauses are flattened to the clip's lowest level so that breaths and noise between words cannot form peaks.
  const isSpeech = new Uint8Array(count);
  for (const t of speech) isSpeech[t] = 1;
  let lowest = Infinity;
  for (const v of smoothed) lowest = Math.min(lowest, v);
  for (let t = 0; t < count; t++) if (!isSpeech[t]) smoothed[t] = lowest;
  const peaks = findPeaks(smoothed, { prominence: 3, distance: 8 });
  out[at] = speechSeconds;
  out[at + 1] = speech.length / count;
  out[at + 2] = c.voiced.length / speech.length;
  out[at + 3] = runs.length / speechSeconds;
  out.set(meanSd(lengths), at + 4);
  out.set(meanSd(gaps), at + 6);
  out[at + 8] = peaks.length / speechSeconds;
}

/** Orthonormal DCT-II rows 1..13 over 80 bands: c_k = sqrt(2/80) sum_n L_n cos(pi k (2n + 1) / 160). */
const DCT = (() => {
  const m = new Float64Array(N_MFCC * N_MELS);
  for (let k = 1; k <= N_MFCC; k++) {
    for (let n = 0; n < N_MELS; n++)
      m[(k - 1) * N_MELS + n] = Math.sqrt(2 / N_MELS) * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * N_MELS));
  }
  return m;
})();

/** c1..c13 per frame, frame-major (`out[t * 13 + k - 1]`). */
export function mfccTrack(track: FrameTrack): Float64Array {
  // Imported constants are read once: under CommonJS transpilation (tsx in Node) each read is a getter call.
  const bands = N_MELS;
  const { count, logMel } = track;
  const out = new Float64Array(count * N_MFCC);
  for (let t = 0; t < count; t++) {
    const row = t * bands;
    for (let k = 0; k < N_MFCC; k++) {
      const basis = k * bands;
      let s = 0;
      for (let n = 0; n < bands; n++) s += (DCT[basis + n] ?? 0) * (logMel[row + n] ?? 0);
      out[t * N_MFCC + k] = s;
    }
  }
  return out;
}

/** MFCC (143) and delta-MFCC (91), both from the c1..c13 track. */
export function writeMfcc(c: ClipFrames, mfcc: Float64Array, out: Float64Array, mfccAt: number, deltaAt: number): void {
  const { count, speech } = c.track;
  const blockVoiced = mfccAt + N_MFCC * N_STATS;
  for (let k = 0; k < N_MFCC; k++) {
    const x = column(mfcc, N_MFCC, k, count);
    sevenStats(x, speech, FRAME_SECONDS, out, mfccAt + k * N_STATS);
    const [vm, vs] = meanSd(select(x, c.voiced));
    const [um, us] = meanSd(select(x, c.unvoicedSpeech));
    out[blockVoiced + k] = vm;
    out[blockVoiced + N_MFCC + k] = vs;
    out[blockVoiced + 2 * N_MFCC + k] = um;
    out[blockVoiced + 3 * N_MFCC + k] = us;
    // Regression delta over +-2 frames; clamping the index repeats the edge frames.
    const at = (t: number): number => x[Math.min(count - 1, Math.max(0, t))] ?? 0;
    const d = new Float64Array(count);
    for (let t = 0; t < count; t++) d[t] = (at(t + 1) - at(t - 1) + 2 * (at(t + 2) - at(t - 2))) / 10;
    sevenStats(d, speech, FRAME_SECONDS, out, deltaAt + k * N_STATS);
  }
}

/** Spectral shape (42) and balance (63): 7 stats of each per-frame descriptor over speech frames. */
export function writeSpectral(c: ClipFrames, out: Float64Array, shapeAt: number, balanceAt: number): void {
  const { count, spectrum, speech, flux, zcr } = c.track;
  const col = (i: number): Float64Array => column(spectrum, N_SPECTRUM_DESCRIPTORS, i, count);
  // SPECTRUM_DESCRIPTORS holds centroid, bandwidth, roll-off, flatness, then the nine balance descriptors.
  const shape = [col(0), col(1), col(2), col(3), flux, zcr];
  shape.forEach((x, i) => {
    sevenStats(x, speech, FRAME_SECONDS, out, shapeAt + i * N_STATS);
  });
  for (let i = 0; i < BALANCE_TRACKS.length; i++)
    sevenStats(col(4 + i), speech, FRAME_SECONDS, out, balanceAt + i * N_STATS);
}

/** Log-mel stats (240): per band mean, population SD and max of L over all frames, as three 80-value blocks. */
export function writeLogmelStats(track: FrameTrack, out: Float64Array, at: number): void {
  for (let m = 0; m < N_MELS; m++) {
    const x = column(track.logMel, N_MELS, m, track.count);
    const [mean, sd] = meanSd(x);
    let max = -Infinity;
    for (const v of x) max = Math.max(max, v);
    out[at + m] = mean;
    out[at + N_MELS + m] = sd;
    out[at + 2 * N_MELS + m] = max;
  }
}
