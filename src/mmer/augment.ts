/**
 * The augmented view for MMER's augmentation contrastive loss (ACL). The authors pair each utterance with zero-shot
 * TTS audio and back-translated text; neither model can run here, so the second view is made by signal-level
 * perturbation instead: speed (as `sox speed`), white noise at a drawn SNR and gain for audio; the text view is the
 * recogniser's transcript of the perturbed
 * audio (or a paraphrase a dataset ships).
 * Everything is seeded: one seed gives one augmentation, so a training run can be replayed. Gaussian noise uses
 * Box-Muller (`Math.log`, `Math.cos`), so bit-identity holds within one JS engine, not necessarily across engines.
 */
import { resample } from '../audio/resample';
import { AppError } from '../core/errors';
import { mulberry32, seedFor, type Rand } from '../core/rng';

/** Ranges the perturbations are drawn from, uniformly; `[x, x]` fixes a value. */
export interface AudioAugmentOptions {
  /** Speed factor (>1 is faster: shorter and higher). Default [0.9, 1.1], Kaldi's usual perturbation range. */
  speed: [number, number];
  /** Signal-to-noise ratio of the added white noise in dB, relative to the clip's RMS. Default [10, 30]. */
  snrDb: [number, number];
  /** Gain in dB. Default [-6, 6]. */
  gainDb: [number, number];
}

/** One drawn augmentation. */
export interface AudioAugmentation {
  /** Speed factor, rounded to a whole percent (see `drawAugmentation`). */
  readonly speed: number;
  readonly snrDb: number;
  readonly gainDb: number;
}

/** The defaults of `augmentAudio`. */
export const DEFAULT_AUDIO_AUGMENT: Readonly<AudioAugmentOptions> = {
  speed: [0.9, 1.1],
  snrDb: [10, 30],
  gainDb: [-6, 6],
};

function checkRange(name: string, r: readonly number[], positive: boolean): void {
  const [lo, hi] = r;
  const ok =
    r.length === 2 && lo !== undefined && hi !== undefined && Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi;
  if (!ok || (positive && lo <= 0)) {
    const rule = positive ? '0 < low <= high' : 'low <= high';
    throw new AppError(
      'internal',
      `Augmentation ${name} must be a finite range [low, high] with ${rule} (got ${JSON.stringify(r)}).`,
    );
  }
}

function uniform(rand: Rand, [lo, hi]: readonly [number, number]): number {
  // lo + 0 * u is exactly lo, so a fixed range gives exactly its value.
  return lo + (hi - lo) * rand();
}

/**
 * The perturbation `augmentAudio(_, seed, options)` applies. The speed is rounded to a whole percent: the resampler
 * caches one kernel per rate pair, and whole percents keep that to a few dozen small exact kernels however many clips
 * are augmented (a range narrower than 1% may therefore round to a value just outside it).
 * @throws AppError('internal') for a malformed range or a speed range that reaches 0.
 */
export function drawAugmentation(seed: number, options: Partial<AudioAugmentOptions> = {}): AudioAugmentation {
  const o: AudioAugmentOptions = { ...DEFAULT_AUDIO_AUGMENT, ...options };
  checkRange('speed', o.speed, true);
  checkRange('snrDb', o.snrDb, false);
  checkRange('gainDb', o.gainDb, false);
  const rand = mulberry32(seedFor(seed, 'augment.params'));
  const speed = Math.max(1, Math.round(uniform(rand, o.speed) * 100)) / 100;
  return { speed, snrDb: uniform(rand, o.snrDb), gainDb: uniform(rand, o.gainDb) };
}

function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return x.length === 0 ? 0 : Math.sqrt(s / x.length);
}

/** Standard Gaussian noise by Box-Muller, both outputs of each pair used. */
function gaussian(n: number, rand: Rand): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    // 1 - u keeps the log argument in (0, 1].
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const phi = 2 * Math.PI * rand();
    out[i] = r * Math.cos(phi);
    if (i + 1 < n) out[i + 1] = r * Math.sin(phi);
  }
  return out;
}

/**
 * An augmented copy of a 16 kHz mono clip, deterministic in `seed` (see `drawAugmentation` for the values drawn):
 * 1. speed: the clip is resampled as if it had been recorded at speed x 16 kHz, so length shrinks by 1/speed and
 *    pitch rises with it, like `sox speed` (band-limited, so speeding up cannot alias);
 * 2. white Gaussian noise, scaled so its RMS over the clip is exactly rms(clip) / 10^(snr/20); a silent clip stays
 *    silent, since an SNR relative to nothing has no meaning;
 * 3. gain, which scales clip and noise together and so keeps the SNR.
 * Samples are hard-clipped to [-1, 1] only if the result would leave that range (as writing 16-bit audio would do);
 * a clip that stays within it is returned unclipped, so the SNR and gain above hold exactly.
 * The input is not modified.
 */
export function augmentAudio(
  pcm16k: Float32Array,
  seed: number,
  options: Partial<AudioAugmentOptions> = {},
): Float32Array {
  const { speed, snrDb, gainDb } = drawAugmentation(seed, options);
  const pct = Math.round(speed * 100);
  const sped = pct === 100 ? pcm16k.slice() : resample(pcm16k, pct, 100);
  const noise = gaussian(sped.length, mulberry32(seedFor(seed, 'augment.noise')));
  let noiseRms = 0;
  for (const v of noise) noiseRms += v * v;
  noiseRms = Math.sqrt(noiseRms / Math.max(1, noise.length));
  const noiseScale = noiseRms > 0 ? rms(sped) / 10 ** (snrDb / 20) / noiseRms : 0;
  const gain = 10 ** (gainDb / 20);
  let peak = 0;
  for (let i = 0; i < sped.length; i++) {
    const v = gain * ((sped[i] ?? 0) + noiseScale * (noise[i] ?? 0));
    sped[i] = v;
    peak = Math.max(peak, Math.abs(v));
  }
  if (peak > 1) for (let i = 0; i < sped.length; i++) sped[i] = Math.min(1, Math.max(-1, sped[i] ?? 0));
  return sped;
}
