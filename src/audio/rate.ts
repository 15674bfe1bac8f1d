/**
 * The one sample rate of the pipeline: every clip is resampled to 16 kHz mono before anything reads it (wav2vec2 and
 * the embedded encoders were made for it; the library stores clips at it).
 */
export const SAMPLE_RATE = 16_000;
