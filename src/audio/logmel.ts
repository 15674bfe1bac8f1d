/**
 * Log-mel spectrogram: the audio half of the weight-free "lite" encoder pair. Its frame rate (20 ms hop
 * over 25 ms windows) matches wav2vec2's convolutional front end, so downstream code sees the same
 * number of frames whichever audio encoder is in use.
 */
import { AppError } from '../core/errors';
import { fftPlan, powerSpectrum, type FftPlan } from './fft';

/** Parameters of `logMel`. */
export interface LogMelOptions {
  readonly sampleRate: number;
  readonly nMels: number;
  /** Analysis window length in samples (Hann, periodic). */
  readonly winLength: number;
  /** Samples between frame starts. */
  readonly hop: number;
  /** FFT size, a power of two no smaller than `winLength`; the window is zero-padded to it. */
  readonly nFft: number;
  /** Lowest and highest filterbank edge in Hz. */
  readonly fMin: number;
  readonly fMax: number;
}

/** 80 mel bands, 25 ms windows, 20 ms hop at 16 kHz, filterbank from 20 Hz to 8 kHz. */
export const DEFAULT_LOGMEL: LogMelOptions = Object.freeze({
  sampleRate: 16000,
  nMels: 80,
  winLength: 400,
  hop: 320,
  nFft: 512,
  fMin: 20,
  fMax: 8000,
});

/** A frame-major feature matrix: `data[f * dim + m]` is band `m` of frame `f`. */
export interface LogMelResult {
  readonly frames: number;
  readonly dim: number;
  readonly data: Float32Array;
}

/** Keeps silent bands finite: log(0 + 1e-6) is about -13.8. */
const LOG_FLOOR = 1e-6;

interface Plan {
  readonly o: LogMelOptions;
  readonly window: Float64Array;
  readonly fft: FftPlan;
  /** Sparse filterbank: band m covers bins `first[m] .. first[m] + count[m] - 1`, weights at `offset[m]`. */
  readonly first: Uint32Array;
  readonly count: Uint32Array;
  readonly offset: Uint32Array;
  readonly weights: Float64Array;
}

const plans = new Map<string, Plan>();

/** HTK mel scale, `2595 log10(1 + f / 700)`, chosen over Slaney for its single closed form. */
function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

function resolve(options: Partial<LogMelOptions> | undefined): LogMelOptions {
  const o = { ...DEFAULT_LOGMEL, ...options };
  const { sampleRate, nMels, winLength, hop, nFft, fMin, fMax } = o;
  const problems: string[] = [];
  if (!(sampleRate > 0)) problems.push(`sampleRate ${sampleRate} must be positive`);
  if (!Number.isInteger(nMels) || nMels < 1) problems.push(`nMels ${nMels} must be a positive integer`);
  if (!Number.isInteger(hop) || hop < 1) problems.push(`hop ${hop} must be a positive integer`);
  if (!Number.isInteger(nFft) || nFft < 4 || (nFft & (nFft - 1)) !== 0)
    problems.push(`nFft ${nFft} must be a power of two >= 4`);
  if (!Number.isInteger(winLength) || winLength < 1 || winLength > nFft)
    problems.push(`winLength ${winLength} must be 1..nFft`);
  if (!(fMin >= 0 && fMin < fMax && fMax <= sampleRate / 2))
    problems.push(`need 0 <= fMin < fMax <= sampleRate / 2 (got ${fMin}, ${fMax})`);
  if (problems.length > 0) throw new AppError('internal', `Invalid log-mel settings: ${problems.join('; ')}.`);
  return o;
}

function melPoints(o: LogMelOptions): Float64Array {
  const lo = hzToMel(o.fMin);
  const hi = hzToMel(o.fMax);
  const points = new Float64Array(o.nMels + 2);
  for (let i = 0; i < points.length; i++) points[i] = melToHz(lo + ((hi - lo) * i) / (o.nMels + 1));
  return points;
}

/** Centre frequency in Hz of each mel band for the given options (e.g. to label or test a spectrogram). */
export function melBandCentres(options?: Partial<LogMelOptions>): Float64Array {
  return melPoints(resolve(options)).slice(1, -1);
}

function getPlan(o: LogMelOptions): Plan {
  const key = JSON.stringify(o);
  const cached = plans.get(key);
  if (cached) return cached;

  const { nFft, winLength, nMels, sampleRate } = o;
  const half = nFft / 2;
  const window = new Float64Array(winLength);
  for (let i = 0; i < winLength; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / winLength);

  // Triangles on continuous frequency (not snapped to bins), peak 1, as torchaudio's HTK filterbank.
  const points = melPoints(o);
  const first = new Uint32Array(nMels);
  const count = new Uint32Array(nMels);
  const offset = new Uint32Array(nMels);
  const weights: number[] = [];
  const binHz = sampleRate / nFft;
  for (let m = 0; m < nMels; m++) {
    const left = points[m] ?? 0;
    const centre = points[m + 1] ?? 0;
    const right = points[m + 2] ?? 0;
    offset[m] = weights.length;
    let started = false;
    for (let k = 0; k <= half; k++) {
      const f = k * binHz;
      const w = Math.max(0, Math.min((f - left) / (centre - left), (right - f) / (right - centre)));
      if (w <= 0) continue;
      if (!started) first[m] = k;
      started = true;
      weights.push(w);
    }
    count[m] = weights.length - (offset[m] ?? 0);
  }

  const plan: Plan = { o, window, fft: fftPlan(nFft), first, count, offset, weights: Float64Array.from(weights) };
  plans.set(key, plan);
  return plan;
}

/** The filterbank energies of one power spectrum (before the log), written to `mel`. */
function melEnergies(plan: Plan, nMels: number, power: Float64Array, mel: Float64Array): void {
  const { first, count, offset, weights } = plan;
  for (let m = 0; m < nMels; m++) {
    const k0 = first[m] ?? 0;
    const w0 = offset[m] ?? 0;
    const n = count[m] ?? 0;
    let energy = 0;
    for (let j = 0; j < n; j++) energy += (power[k0 + j] ?? 0) * (weights[w0 + j] ?? 0);
    mel[m] = energy;
  }
}

/**
 * Computes `log(mel power + 1e-6)` features from 16 kHz mono PCM. Frames start every `hop` samples with
 * no padding, so there are `floor((n - winLength) / hop) + 1` of them (0 when the clip is shorter than
 * one window); with the defaults this equals wav2vec2's frame count (16000 samples -> 49 frames).
 * The power spectrum is unnormalised `|FFT|^2` of the Hann-windowed frame; the filterbank is HTK-scale
 * triangles of peak 1 between `fMin` and `fMax`.
 */
export function logMel(pcm16k: Float32Array, options?: Partial<LogMelOptions>): LogMelResult {
  const o = resolve(options);
  const plan = getPlan(o);
  const { winLength, hop, nFft, nMels } = o;
  const frames = pcm16k.length < winLength ? 0 : Math.floor((pcm16k.length - winLength) / hop) + 1;
  const data = new Float32Array(frames * nMels);
  const frame = new Float64Array(nFft);
  const re = new Float64Array(nFft / 2);
  const im = new Float64Array(nFft / 2);
  const power = new Float64Array(nFft / 2 + 1);
  const mel = new Float64Array(nMels);
  const { window } = plan;
  for (let f = 0; f < frames; f++) {
    const start = f * hop;
    // Entries from winLength to nFft stay zero: that is the zero padding.
    for (let i = 0; i < winLength; i++) frame[i] = (pcm16k[start + i] ?? 0) * (window[i] ?? 0);
    powerSpectrum(frame, re, im, power, plan.fft);
    const row = f * nMels;
    melEnergies(plan, nMels, power, mel);
    for (let m = 0; m < nMels; m++) data[row + m] = Math.log((mel[m] ?? 0) + LOG_FLOOR);
  }
  return { frames, dim: nMels, data };
}

/**
 * Single-frame access to logMel's own FFT and filterbank, for callers that need the power spectrum or the
 * mel energies before the log (e.g. utterance features at a 10 ms hop). Each analyser owns its scratch buffers,
 * so keep one per loop rather than sharing it across interleaved callers.
 */
export interface FrameAnalyser {
  readonly options: LogMelOptions;
  /**
   * Hann-windows `winLength` samples of `pcm` starting at `start` (samples past the end count as zero), zero-pads
   * to `nFft` and writes the unnormalised power `|FFT|^2` of bins 0..nFft/2 to `power`, exactly as logMel does.
   */
  power(pcm: ArrayLike<number>, start: number, power: Float64Array): void;
  /** Writes the filterbank energies of a power spectrum (before logMel's `log(x + 1e-6)`) to `mel` (length nMels). */
  mel(power: Float64Array, mel: Float64Array): void;
}

/**
 * Builds a `FrameAnalyser` for the given options (defaults as `logMel`); throws AppError('internal') on bad settings.
 */
export function frameAnalyser(options?: Partial<LogMelOptions>): FrameAnalyser {
  const o = resolve(options);
  const plan = getPlan(o);
  const { winLength, nFft, nMels } = o;
  const frame = new Float64Array(nFft);
  const re = new Float64Array(nFft / 2);
  const im = new Float64Array(nFft / 2);
  const { window } = plan;
  return {
    options: o,
    power(pcm, start, power) {
      for (let i = 0; i < winLength; i++) frame[i] = (pcm[start + i] ?? 0) * (window[i] ?? 0);
      powerSpectrum(frame, re, im, power, plan.fft);
    },
    mel(power, mel) {
      melEnergies(plan, nMels, power, mel);
    },
  };
}
