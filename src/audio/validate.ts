/**
 * Checks a clip before it reaches the models, so the user gets a plain explanation instead of a
 * meaningless prediction, and splits long clips into windows the encoders handle well.
 */
import { AppError } from '../core/errors';

/** Shorter clips give the encoders too few frames to say anything. */
export const MIN_CLIP_SECONDS = 0.25;
/** Longer clips are refused: they take long to analyse and rarely carry one emotion throughout. */
export const MAX_CLIP_SECONDS = 60;
/** Clips are analysed in windows of at most this length (plus a merged short tail). */
export const WINDOW_SECONDS = 20;
/** Peak amplitude of about -60 dBFS; anything quieter is treated as no input at all. */
const SILENCE_PEAK = 1e-3;

/**
 * Formats seconds with two decimals, rounding away from `limit` so a value just past a limit never
 * prints as equal to it (60.001 s shows as 60.01 s, 0.249 s as 0.24 s).
 */
function seconds(value: number, limit: number): string {
  const scaled = value * 100;
  const rounded = value > limit ? Math.ceil(scaled) : Math.floor(scaled);
  return `${(rounded / 100).toFixed(2)} s`;
}

function checkRate(sampleRate: number): void {
  if (!Number.isFinite(sampleRate) || sampleRate <= 0) {
    throw new AppError('decode-failed', `The audio has an invalid sample rate (${sampleRate} Hz).`);
  }
}

/**
 * Refuses samples that are not numbers (NaN or infinite): a float WAV can hold them, and one of them would turn every
 * feature and score into NaN. Repairing them would hide a damaged file, so the person is told instead.
 */
function checkFinite(pcm: Float32Array): void {
  let bad = 0;
  let first = -1;
  for (let i = 0; i < pcm.length; i++) {
    if (!Number.isFinite(pcm[i] ?? 0)) {
      bad += 1;
      if (first < 0) first = i;
    }
  }
  if (bad === 0) return;
  throw new AppError(
    'decode-failed',
    `The audio is damaged: ${bad.toLocaleString('en-US')} of its ${pcm.length.toLocaleString('en-US')} samples ` +
      `${bad === 1 ? 'is' : 'are'} not a number (NaN or infinite), the first at sample ${first.toLocaleString('en-US')}. ` +
      'Export the recording again or choose another file.',
  );
}

/**
 * Throws an `AppError` if the clip cannot be analysed: `empty-audio` (no samples), `too-short`
 * (under `MIN_CLIP_SECONDS`), `too-long` (over `MAX_CLIP_SECONDS`) or `silent` (peak below about
 * -60 dBFS), or `decode-failed` for samples that are not numbers. Length checks come first because they are free;
 * the peak scan stops at the first loud sample.
 */
export function checkClip(pcm: Float32Array, sampleRate: number): void {
  checkRate(sampleRate);
  if (pcm.length === 0) {
    throw new AppError('empty-audio', 'The recording is empty: it contains no audio samples.');
  }
  const duration = pcm.length / sampleRate;
  if (duration < MIN_CLIP_SECONDS) {
    throw new AppError(
      'too-short',
      `The clip is only ${seconds(duration, MIN_CLIP_SECONDS)} long; at least ${MIN_CLIP_SECONDS} s of speech is needed.`,
    );
  }
  if (duration > MAX_CLIP_SECONDS) {
    throw new AppError(
      'too-long',
      `The clip is ${seconds(duration, MAX_CLIP_SECONDS)} long; the maximum is ${MAX_CLIP_SECONDS} s. Trim it and try again.`,
    );
  }
  checkFinite(pcm);
  for (let i = 0; i < pcm.length; i++) {
    const s = pcm[i] ?? 0;
    if (s >= SILENCE_PEAK || s <= -SILENCE_PEAK) return;
  }
  throw new AppError(
    'silent',
    'Nothing was heard: the clip is silent (quieter than -60 dBFS throughout). Check the microphone or choose another recording.',
  );
}

/**
 * Splits a clip into consecutive windows of `windowSeconds` (views into `pcm`, no copies). A final
 * piece shorter than `MIN_CLIP_SECONDS` is merged into the window before it rather than analysed alone,
 * so the last window may be slightly longer. A clip that fits in one window is returned whole; an empty
 * clip gives no windows.
 */
export function splitWindows(pcm: Float32Array, sampleRate: number, windowSeconds = WINDOW_SECONDS): Float32Array[] {
  checkRate(sampleRate);
  if (!Number.isFinite(windowSeconds) || windowSeconds <= 0) {
    throw new AppError('internal', `The analysis window must be a positive number of seconds, not ${windowSeconds}.`);
  }
  const n = pcm.length;
  if (n === 0) return [];
  const size = Math.max(1, Math.round(windowSeconds * sampleRate));
  const minTail = Math.ceil(MIN_CLIP_SECONDS * sampleRate);
  const windows: Float32Array[] = [];
  let start = 0;
  while (start < n) {
    let end = Math.min(n, start + size);
    if (n - end > 0 && n - end < minTail) end = n;
    windows.push(pcm.subarray(start, end));
    start = end;
  }
  return windows;
}
