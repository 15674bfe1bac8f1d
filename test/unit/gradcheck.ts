/**
 * Finite-difference gradient check for tfjs functions, on whatever backend is active (float32 in practice).
 *
 * Central differences (f(x + e) - f(x - e)) / (2e) carry a truncation error O(e^2) and, in float32, a rounding error of
 * a few ulp(f) / 2e. Each coordinate passes when |analytic - numeric| <= rtol * max(|analytic|, |numeric|) + that
 * rounding floor; the reported maximum relative error only counts coordinates well above the floor (and above minAbs),
 * where the relative test alone decides.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers no gradients by itself; importing them here lets any test use gradCheck as is.
import '@tensorflow/tfjs-core/dist/register_all_gradients';

/** Options of {@link gradCheck}. */
export interface GradCheckOptions {
  /** Finite-difference step (default 1e-2). */
  eps?: number;
  /** How many coordinates to check, drawn without replacement over all inputs (default 24; all if fewer exist). */
  samples?: number;
  /** Seed of the coordinate draw (default 1). */
  seed?: number;
  /** Relative tolerance (default 2e-2). */
  rtol?: number;
  /** Below this magnitude a coordinate is held to `atol` instead of `rtol` (default 1e-3). */
  minAbs?: number;
  /** Absolute tolerance of the coordinates below minAbs (default 1e-3). */
  atol?: number;
  /** Float32 rounding of f taken as noise, in units of ulp(|f|) (default 8). */
  noiseUlps?: number;
}

/** One checked coordinate. */
export interface GradCheckPoint {
  input: number;
  index: number;
  analytic: number;
  numeric: number;
  ok: boolean;
}

/** Outcome of {@link gradCheck}; `failures` lists the coordinates outside tolerance. */
export interface GradCheckReport {
  checked: number;
  /** How many coordinates were >= minAbs and >= 10x the rounding floor: those set maxRelError. */
  relativeChecked: number;
  maxRelError: number;
  maxAbsError: number;
  failures: GradCheckPoint[];
}

/** Park-Miller generator: reproducible coordinate draws without a dependency. */
function lcg(seed: number): () => number {
  let state = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

/**
 * Compares tf.grads of `f` at `inputs` with central differences on a random subset of coordinates.
 * `f` must return a scalar; the inputs are not modified and nothing is left allocated.
 */
export function gradCheck(
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  inputs: readonly tf.Tensor[],
  options: GradCheckOptions = {},
): GradCheckReport {
  const eps = options.eps ?? 1e-2;
  const rtol = options.rtol ?? 2e-2;
  const minAbs = options.minAbs ?? 1e-3;
  const atol = options.atol ?? 1e-3;
  const noiseUlps = options.noiseUlps ?? 8;
  const analytic = tf.tidy(() =>
    tf
      .grads(f)([...inputs])
      .map((g) => g.dataSync().slice()),
  );
  const values = inputs.map((x) => x.dataSync().slice());

  const all: [number, number][] = values.flatMap((v, input) =>
    Array.from(v, (_, index): [number, number] => [input, index]),
  );
  const random = lcg(options.seed ?? 1);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j] ?? [0, 0], all[i] ?? [0, 0]];
  }
  const chosen = all.slice(0, options.samples ?? 24);

  const evaluate = (input: number, index: number, x: number): number =>
    tf.tidy(() => {
      const args = inputs.map((t, k) => {
        if (k !== input) return t;
        const data = values[k]?.slice() ?? new Float32Array();
        data[index] = x;
        return tf.tensor(data, t.shape, t.dtype);
      });
      return f(...args).dataSync()[0] ?? Number.NaN;
    });

  const report: GradCheckReport = { checked: 0, relativeChecked: 0, maxRelError: 0, maxAbsError: 0, failures: [] };
  for (const [input, index] of chosen) {
    const x = values[input]?.[index] ?? 0;
    // The step actually taken in float32, not the nominal 2e, is the right denominator.
    const up = Math.fround(x + eps);
    const down = Math.fround(x - eps);
    const fUp = evaluate(input, index, up);
    const fDown = evaluate(input, index, down);
    const numeric = (fUp - fDown) / (up - down);
    // ulp of a float32 near |f| is about |f| * 2^-23.
    const floor = (noiseUlps * Math.max(Math.abs(fUp), Math.abs(fDown)) * 2 ** -23) / (up - down);
    const a = analytic[input]?.[index] ?? Number.NaN;
    const absError = Math.abs(a - numeric);
    const scale = Math.max(Math.abs(a), Math.abs(numeric));
    const ok = scale >= minAbs ? absError <= rtol * scale + floor : absError <= atol + floor;
    if (scale >= minAbs && scale >= 10 * floor) {
      report.relativeChecked++;
      report.maxRelError = Math.max(report.maxRelError, absError / scale);
    }
    report.maxAbsError = Math.max(report.maxAbsError, absError);
    report.checked++;
    if (!ok || !Number.isFinite(a) || !Number.isFinite(numeric))
      report.failures.push({ input, index, analytic: a, numeric, ok: false });
  }
  return report;
}

/** Seeded, roughly standard-normal tensor (a sum of four uniforms), so checks need no fixture and no RNG dependency. */
export function seededTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  const random = lcg(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from(
    { length: size },
    () => (random() + random() + random() + random() - 2) * Math.sqrt(3) * scale,
  );
  return tf.tensor(data, shape);
}
