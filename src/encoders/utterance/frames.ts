/**
 * Frame-level tracks for the utterance features: 25 ms frames every 10 ms, the project's log-mel front end (through
 * `frameAnalyser`, so the FFT and filterbank are logMel's own), frame energy, spectral descriptors and the
 * speech-frame mask. Everything is float64; only the final vector is rounded to float32.
 */
import { frameAnalyser, type FrameAnalyser } from '../../audio/logmel';
import { percentileSorted } from './stats';
import { N_BINS, N_SPECTRUM_DESCRIPTORS, spectrumDescriptors } from './spectral';
import { SAMPLE_RATE } from '../../audio/rate';

export const WIN = 400;
export const HOP = 160;
export const N_MELS = 80;
/** Seconds between frame starts: the time unit of slopes, durations and rates. */
export const FRAME_SECONDS = HOP / SAMPLE_RATE;
const LOG_FLOOR = 1e-6;
const ENERGY_FLOOR = 1e-10;

/** Per-frame values; every Float64Array has one entry per frame unless stated otherwise. */
export interface FrameTrack {
  readonly count: number;
  /** L = ln(mel power + 1e-6), frame-major: `logMel[t * 80 + m]`. */
  readonly logMel: Float64Array;
  /** 10 log10(mean x^2 + 1e-10) of the raw (unwindowed) frame, dBFS. */
  readonly energyDb: Float64Array;
  /** Sum over bands of mel power^0.3. */
  readonly loudness: Float64Array;
  /** Sign changes per adjacent sample pair in the raw frame (zero counts as positive). */
  readonly zcr: Float64Array;
  /** RMS over bands of L_t - L_(t-1); 0 for the first frame, which has no predecessor. */
  readonly flux: Float64Array;
  /** `SPECTRUM_DESCRIPTORS` per frame, frame-major: `spectrum[t * 13 + i]`. */
  readonly spectrum: Float64Array;
  /** Indices of the speech frames, ascending. */
  readonly speech: Int32Array;
}

let analyser: FrameAnalyser | null = null;

/** Frames of `n` samples: floor((n - 400) / 160) + 1, or 0 below one window. */
export function frameCount(n: number): number {
  return n < WIN ? 0 : Math.floor((n - WIN) / HOP) + 1;
}

/**
 * Speech frames: E >= P99(E) - 35 dB and E >= P5(E) + 6 dB. The second test keeps clips with a constant noise
 * floor from counting as all speech; the fallback (E >= median) keeps a near-silent or very short clip from having
 * no speech frames at all.
 */
export function speechFrames(energyDb: Float64Array): Int32Array {
  const sorted = energyDb.slice().sort();
  const top = percentileSorted(sorted, 99) - 35;
  const floor = percentileSorted(sorted, 5) + 6;
  const out: number[] = [];
  for (let t = 0; t < energyDb.length; t++) {
    const e = energyDb[t] ?? 0;
    if (e >= top && e >= floor) out.push(t);
  }
  if (out.length >= 3) return Int32Array.from(out);
  const median = percentileSorted(sorted, 50);
  out.length = 0;
  for (let t = 0; t < energyDb.length; t++) if ((energyDb[t] ?? 0) >= median) out.push(t);
  return Int32Array.from(out);
}

/** Computes every frame-level track of a 16 kHz clip (no frames when it is shorter than 400 samples). */
export function frameTrack(pcm: Float32Array): FrameTrack {
  analyser ??= frameAnalyser({
    hop: HOP,
    winLength: WIN,
    nFft: 512,
    nMels: N_MELS,
    fMin: 20,
    fMax: 8000,
    sampleRate: SAMPLE_RATE,
  });
  const a = analyser;
  const count = frameCount(pcm.length);
  const logMel = new Float64Array(count * N_MELS);
  const energyDb = new Float64Array(count);
  const loudness = new Float64Array(count);
  const zcr = new Float64Array(count);
  const flux = new Float64Array(count);
  const spectrum = new Float64Array(count * N_SPECTRUM_DESCRIPTORS);
  const power = new Float64Array(N_BINS);
  const mel = new Float64Array(N_MELS);
  for (let t = 0; t < count; t++) {
    const start = t * HOP;
    let ss = 0;
    let crossings = 0;
    let prevNeg = (pcm[start] ?? 0) < 0;
    for (let i = 0; i < WIN; i++) {
      const x = pcm[start + i] ?? 0;
      ss += x * x;
      const neg = x < 0;
      if (neg !== prevNeg) crossings++;
      prevNeg = neg;
    }
    energyDb[t] = 10 * Math.log10(ss / WIN + ENERGY_FLOOR);
    zcr[t] = crossings / (WIN - 1);

    a.power(pcm, start, power);
    a.mel(power, mel);
    let loud = 0;
    let fluxSq = 0;
    const row = t * N_MELS;
    for (let m = 0; m < N_MELS; m++) {
      const e = mel[m] ?? 0;
      loud += e ** 0.3;
      const l = Math.log(e + LOG_FLOOR);
      logMel[row + m] = l;
      if (t > 0) fluxSq += (l - (logMel[row - N_MELS + m] ?? 0)) ** 2;
    }
    loudness[t] = loud;
    flux[t] = Math.sqrt(fluxSq / N_MELS);
    spectrumDescriptors(power, spectrum, t * N_SPECTRUM_DESCRIPTORS);
  }
  return { count, logMel, energyDb, loudness, zcr, flux, spectrum, speech: speechFrames(energyDb) };
}
