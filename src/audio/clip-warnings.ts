/**
 * Things about a clip that do not stop its analysis but change how far its result can be trusted: a file cut short
 * (its header promises more audio than it holds) and clipping (a recording too loud for its format, flattened at
 * full scale). They are said next to the result, never silently ignored and never a refusal.
 */

/**
 * Missing audio under this is not a cut (a partial last frame, a writer's rounding); from a tenth of a second on, it
 * is said.
 */
export const TRUNCATION_SLACK_SECONDS = 0.1;

/** A file whose data ends before its header says: `present` of `promised` seconds were there. */
export interface TruncatedWarning {
  readonly kind: 'truncated';
  readonly presentSeconds: number;
  readonly promisedSeconds: number;
}

/** A recording with `share` (0-1) of its samples at full scale in its loudest channel. */
export interface ClippedWarning {
  readonly kind: 'clipped';
  readonly share: number;
}

/** A reason to read a clip's result with care. */
export type ClipWarning = TruncatedWarning | ClippedWarning;

/**
 * A sample this close to ±1 sits at full scale. Low enough for 8-bit files (whose largest value is 127/128) and for
 * the slight ripple a resampler puts on a flattened stretch, high enough that loud but clean speech stays under it.
 */
export const FULL_SCALE = 0.99;
/** From 1 % of samples at full scale the distortion is audible on speech; 5 % is heavily clipped. */
export const CLIPPED_SHARE = 0.01;

/** The share (0-1) of samples at full scale, in the channel that has the most. */
export function clippedShare(channels: readonly Float32Array[]): number {
  let worst = 0;
  for (const ch of channels) {
    if (ch.length === 0) continue;
    let n = 0;
    for (let i = 0; i < ch.length; i++) {
      const s = ch[i] ?? 0;
      if (s >= FULL_SCALE || s <= -FULL_SCALE) n++;
    }
    worst = Math.max(worst, n / ch.length);
  }
  return worst;
}

/** A clipping warning when at least `CLIPPED_SHARE` of some channel's samples are at full scale, else null. */
export function clippingWarning(channels: readonly Float32Array[]): ClippedWarning | null {
  const share = clippedShare(channels);
  return share >= CLIPPED_SHARE ? { kind: 'clipped', share } : null;
}

/** A cut-short warning when the header promises more than the slack beyond what is there, else null. */
export function truncationWarning(presentSeconds: number, promisedSeconds: number): TruncatedWarning | null {
  return promisedSeconds - presentSeconds > TRUNCATION_SLACK_SECONDS
    ? { kind: 'truncated', presentSeconds, promisedSeconds }
    : null;
}

/** The warning in words, for the page and the CLI alike. */
export function describeWarning(warning: ClipWarning): string {
  if (warning.kind === 'truncated') {
    return (
      `The file ends early: its header promises ${warning.promisedSeconds.toFixed(2)} s of audio but it holds only ` +
      `${warning.presentSeconds.toFixed(2)} s (a download or copy was probably cut short). ` +
      'The part that is there was used; get the whole file again for a result on all of it.'
    );
  }
  const percent = warning.share * 100;
  return (
    `The recording is clipped: ${percent < 10 ? percent.toFixed(1) : percent.toFixed(0)} % of its samples are at ` +
    'full scale, so the loudest parts are flattened and distorted, which can change the emotion read from it. ' +
    'Record with the input level lower or the microphone further away.'
  );
}
