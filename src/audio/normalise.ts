/**
 * Zero-mean, unit-variance normalisation, matching `Wav2Vec2FeatureExtractor(do_normalize=True)`.
 */

/** Added to the variance before the square root, as in the Hugging Face feature extractor. */
const VARIANCE_EPSILON = 1e-7;

/**
 * Returns `(x - mean) / sqrt(var + 1e-7)` with the population variance, as wav2vec2 expects its input.
 * Sums run in float64 so long clips do not lose precision; constant input gives zeros, not NaN, and
 * empty input gives an empty array.
 */
export function normalise(x: Float32Array): Float32Array {
  const n = x.length;
  const out = new Float32Array(n);
  if (n === 0) return out;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i] ?? 0;
  const mean = sum / n;
  // Two passes (mean first, then squared deviations) avoid the cancellation of the sum-of-squares formula.
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = (x[i] ?? 0) - mean;
    squares += d * d;
  }
  const scale = 1 / Math.sqrt(squares / n + VARIANCE_EPSILON);
  for (let i = 0; i < n; i++) out[i] = ((x[i] ?? 0) - mean) * scale;
  return out;
}
