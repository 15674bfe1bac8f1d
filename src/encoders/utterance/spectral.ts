/**
 * Per-frame spectral descriptors of the weight-free feature set, from one 512-point power spectrum (bins 0..256,
 * 31.25 Hz apart). Band edges are half-open [lo, hi) in Hz and mapped to bins once, so every frame uses the same bins.
 */
import { SAMPLE_RATE } from '../../audio/rate';

const N_FFT = 512;
/** Bins 0..256 of the one-sided spectrum. */
export const N_BINS = N_FFT / 2 + 1;
const BIN_HZ = SAMPLE_RATE / N_FFT;
/** Added to every power value so that logs and ratios stay finite on digital silence. */
const POWER_FLOOR = 1e-12;

/** Descriptors computed from the power spectrum alone; flux and ZCR need other inputs and are added by frames.ts. */
export const SPECTRUM_DESCRIPTORS = [
  'centroid',
  'bandwidth',
  'rolloff85',
  'flatness',
  'alphaRatio',
  'hammarberg',
  'slope0_500',
  'slope500_1500',
  'band0_500',
  'band500_1000',
  'band1000_2000',
  'band2000_4000',
  'band4000_8000',
] as const;
export const N_SPECTRUM_DESCRIPTORS = SPECTRUM_DESCRIPTORS.length;

/** First and one-past-last bin whose centre frequency lies in [lo, hi) Hz. */
function bins(lo: number, hi: number): readonly [number, number] {
  return [Math.ceil(lo / BIN_HZ), Math.ceil(hi / BIN_HZ)];
}

const ALPHA_LOW = bins(50, 1000);
const ALPHA_HIGH = bins(1000, 5000);
const HAMMARBERG_LOW = bins(0, 2000);
const HAMMARBERG_HIGH = bins(2000, 5000);
const SLOPE_BANDS = [bins(0, 500), bins(500, 1500)] as const;
const LEVEL_BANDS = [bins(0, 500), bins(500, 1000), bins(1000, 2000), bins(2000, 4000), bins(4000, 8000)] as const;

/** x-centring of each slope band, in kHz, precomputed because the regression abscissae never change. */
const SLOPE_PLANS = SLOPE_BANDS.map(([a, b]) => {
  let mean = 0;
  for (let k = a; k < b; k++) mean += (k * BIN_HZ) / 1000;
  mean /= b - a;
  let sxx = 0;
  for (let k = a; k < b; k++) sxx += ((k * BIN_HZ) / 1000 - mean) ** 2;
  return { a, b, mean, sxx };
});

function sum(p: Float64Array, [a, b]: readonly [number, number]): number {
  let s = 0;
  for (let k = a; k < b; k++) s += p[k] ?? 0;
  return s;
}

function max(p: Float64Array, [a, b]: readonly [number, number]): number {
  let m = -Infinity;
  for (let k = a; k < b; k++) m = Math.max(m, p[k] ?? 0);
  return m;
}

/**
 * Writes the 13 `SPECTRUM_DESCRIPTORS` of one power spectrum to `out[at ..]`. `p` is overwritten with `P + 1e-12`.
 * Frequencies are in Hz, the slopes in dB per kHz, the levels and ratios in dB.
 */
export function spectrumDescriptors(p: Float64Array, out: Float64Array, at: number): void {
  let total = 0;
  let weighted = 0;
  let logSum = 0;
  for (let k = 0; k < N_BINS; k++) {
    const v = (p[k] ?? 0) + POWER_FLOOR;
    p[k] = v;
    total += v;
    weighted += v * k * BIN_HZ;
    if (k >= 1) logSum += Math.log(v);
  }
  const centroid = weighted / total;
  let spread = 0;
  let cumulative = 0;
  let rolloff = -1;
  for (let k = 0; k < N_BINS; k++) {
    const v = p[k] ?? 0;
    spread += v * (k * BIN_HZ - centroid) ** 2;
    cumulative += v;
    if (rolloff < 0 && cumulative >= 0.85 * total) rolloff = k;
  }
  // Flatness is over bins 1..256 (the spec leaves DC out, where an offset or hum would dominate the geometric mean).
  const arith = (total - (p[0] ?? 0)) / (N_BINS - 1);
  out[at] = centroid;
  out[at + 1] = Math.sqrt(spread / total);
  out[at + 2] = rolloff * BIN_HZ;
  out[at + 3] = 10 * Math.log10(Math.exp(logSum / (N_BINS - 1)) / arith);
  out[at + 4] = 10 * Math.log10(sum(p, ALPHA_LOW) / sum(p, ALPHA_HIGH));
  out[at + 5] = 10 * Math.log10(max(p, HAMMARBERG_LOW) / max(p, HAMMARBERG_HIGH));
  for (let s = 0; s < SLOPE_PLANS.length; s++) {
    const plan = SLOPE_PLANS[s];
    if (!plan) continue;
    let ym = 0;
    for (let k = plan.a; k < plan.b; k++) ym += 10 * Math.log10(p[k] ?? 0);
    ym /= plan.b - plan.a;
    let sxy = 0;
    for (let k = plan.a; k < plan.b; k++) sxy += ((k * BIN_HZ) / 1000 - plan.mean) * (10 * Math.log10(p[k] ?? 0) - ym);
    out[at + 6 + s] = sxy / plan.sxx;
  }
  LEVEL_BANDS.forEach((band, i) => {
    out[at + 8 + i] = 10 * Math.log10(sum(p, band) / total);
  });
}
