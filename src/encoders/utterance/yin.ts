/**
 * F0 by the YIN variant of the weight-free feature spec: per 10 ms frame, a 668-sample region centred on the frame
 * centre (zero outside the clip), difference function d(tau) = sum_{j<400} (x_j - x_{j+tau})^2, its cumulative mean
 * normalised form d'(tau) = d(tau) tau / sum_{i=1..tau} d(i), absolute threshold 0.15 within lags 26..267
 * (600..60 Hz), walk to the local minimum, else the global minimum, then parabolic refinement.
 */
import { SAMPLE_RATE } from '../../audio/rate';
import { HOP, WIN } from './frames';

export const MIN_LAG = 26;
export const MAX_LAG = 267;
/** d' is also needed one lag past the range, for the parabola around MAX_LAG; the 668-sample region allows it. */
const TOP_LAG = MAX_LAG + 1;
const REGION = WIN + TOP_LAG;
/** Region start relative to frame start: centre (start + 200) minus half the region (334). */
const REGION_OFFSET = WIN / 2 - REGION / 2;
export const PICK_THRESHOLD = 0.15;
/** Voicing needs d' below this at the chosen lag (the speech mask and the F0 range are checked by the caller). */
export const VOICED_THRESHOLD = 0.3;
/**
 * The 400-sample window of frame t spans five 80-sample blocks starting at block 2t, so adjacent frames share
 * three: each frame computes the squared differences of only two new blocks (160 samples x 268 lags) and sums five
 * block totals, instead of 400 x 268 products. This is the same sum in a different order, not an approximation.
 */
const BLOCK = 80;
const BLOCKS_PER_WIN = WIN / BLOCK;
const BLOCKS_PER_HOP = HOP / BLOCK;

/** Per-frame YIN results. */
export interface YinTrack {
  /** F0 in Hz from the refined lag (may lie outside 60..600 Hz; the caller's voicing test excludes those). */
  readonly f0: Float64Array;
  /** d' at the chosen integer lag, before refinement: the aperiodicity behind voicing, HNR and voicing probability. */
  readonly dPrime: Float64Array;
}

/** Squared-difference totals of one 80-sample block for lags 1..268, written to `out[at + tau]`. */
function blockSums(xp: Float64Array, block: number, out: Float64Array, at: number): void {
  const j0 = block * BLOCK;
  const j1 = j0 + BLOCK;
  // Four lags per pass share each x_j load, which is about twice as fast in V8; every lag still sums its own
  // terms in ascending j, so the totals are the same as one lag at a time. 268 lags = 67 passes of four.
  for (let tau = 1; tau <= TOP_LAG; tau += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = j0; j < j1; j++) {
      const x = xp[j] ?? 0;
      const k = j + tau;
      const d0 = x - (xp[k] ?? 0);
      const d1 = x - (xp[k + 1] ?? 0);
      const d2 = x - (xp[k + 2] ?? 0);
      const d3 = x - (xp[k + 3] ?? 0);
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    out[at + tau] = s0;
    out[at + tau + 1] = s1;
    out[at + tau + 2] = s2;
    out[at + tau + 3] = s3;
  }
}

/** Chosen integer lag and its parabolic offset from a frame's d' (index = lag; valid 1..TOP_LAG). */
export function pickLag(dp: Float64Array): { lag: number; offset: number } {
  let lag = -1;
  for (let tau = MIN_LAG; tau <= MAX_LAG; tau++) {
    if ((dp[tau] ?? 0) < PICK_THRESHOLD) {
      lag = tau;
      while (lag < MAX_LAG && (dp[lag + 1] ?? 0) < (dp[lag] ?? 0)) lag++;
      break;
    }
  }
  if (lag < 0) {
    lag = MIN_LAG;
    for (let tau = MIN_LAG + 1; tau <= MAX_LAG; tau++) if ((dp[tau] ?? 0) < (dp[lag] ?? 0)) lag = tau;
  }
  const a = dp[lag - 1] ?? 0;
  const b = dp[lag] ?? 0;
  const c = dp[lag + 1] ?? 0;
  const curvature = a - 2 * b + c;
  // Only a convex parabola has a minimum to move towards; a flat or concave one (possible on the fallback path,
  // where the lag can sit on the range edge) keeps the integer lag.
  const offset = curvature > 0 ? Math.min(1, Math.max(-1, (0.5 * (a - c)) / curvature)) : 0;
  return { lag, offset };
}

/** YIN over the frames of `frameTrack` (`frames` of them, starting every 160 samples). */
export function yinTrack(pcm: Float32Array, frames: number): YinTrack {
  const f0 = new Float64Array(frames);
  const dPrime = new Float64Array(frames);
  if (frames === 0) return { f0, dPrime };
  // Zero padding on both sides so that region starts map to padded index t * HOP and every lag stays in bounds.
  const pad = -REGION_OFFSET;
  const xp = new Float64Array(pcm.length + 2 * pad);
  xp.set(pcm, pad);
  const stride = TOP_LAG + 1;
  // Ring of the five block totals the current frame needs; a block's slot is its index modulo five.
  const ring = new Float64Array(BLOCKS_PER_WIN * stride);
  const dp = new Float64Array(stride);
  for (let b = 0; b < BLOCKS_PER_WIN; b++) blockSums(xp, b, ring, b * stride);
  for (let t = 0; t < frames; t++) {
    const first = t * BLOCKS_PER_HOP;
    if (t > 0) {
      for (let b = first + BLOCKS_PER_WIN - BLOCKS_PER_HOP; b < first + BLOCKS_PER_WIN; b++)
        blockSums(xp, b, ring, (b % BLOCKS_PER_WIN) * stride);
    }
    let cumulative = 0;
    for (let tau = 1; tau <= TOP_LAG; tau++) {
      let s = 0;
      for (let b = first; b < first + BLOCKS_PER_WIN; b++) s += ring[(b % BLOCKS_PER_WIN) * stride + tau] ?? 0;
      cumulative += s;
      // An all-zero region has no periodicity evidence: d' = 1 marks it maximally aperiodic instead of 0/0.
      dp[tau] = cumulative > 0 ? (s * tau) / cumulative : 1;
    }
    const { lag, offset } = pickLag(dp);
    f0[t] = SAMPLE_RATE / (lag + offset);
    dPrime[t] = dp[lag] ?? 1;
  }
  return { f0, dPrime };
}
