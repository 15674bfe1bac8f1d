/**
 * Summary statistics of frame-level tracks: the "7 stats" of the weight-free feature spec and the plain mean/SD
 * pairs. Percentiles follow numpy's default (method 'linear') down to its interpolation formula, so the TypeScript
 * and numpy references agree to the last bits where a threshold is taken from a percentile.
 */

/** Names of the 7 stats, in output order. */
export const STAT_NAMES = ['mean', 'sd', 'p10', 'p50', 'p90', 'slope', 'range'] as const;
/** Number of values `sevenStats` writes. */
export const N_STATS = STAT_NAMES.length;

/**
 * The `p`-th percentile (0..100) of ascending-sorted values, as `numpy.percentile(a, p)` with method 'linear':
 * same virtual index and the same two-sided lerp (numpy interpolates from the upper neighbour when the fraction is
 * at least 0.5). NaN for an empty array.
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const q = p / 100;
  // numpy's _compute_virtual_index with alpha = beta = 1, written in its order of operations.
  const vi = n * q + (1 + q * -1) - 1;
  if (vi >= n - 1) return sorted[n - 1] ?? Number.NaN;
  if (vi < 0) return sorted[0] ?? Number.NaN;
  const lo = Math.floor(vi);
  const t = vi - lo;
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[lo + 1] ?? Number.NaN;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Percentile of unsorted values (copied, then sorted). */
export function percentile(values: ArrayLike<number>, p: number): number {
  return percentileSorted(Float64Array.from(values).sort(), p);
}

/** Gathers `track[i]` for every selected frame index. */
export function select(track: Float64Array, frames: readonly number[] | Int32Array): Float64Array {
  const out = new Float64Array(frames.length);
  for (let i = 0; i < frames.length; i++) out[i] = track[frames[i] ?? 0] ?? Number.NaN;
  return out;
}

/** Mean and population SD; NaN for both when there are no values (one value gives SD 0). */
export function meanSd(values: ArrayLike<number>): [number, number] {
  const n = values.length;
  if (n === 0) return [Number.NaN, Number.NaN];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i] ?? 0;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] ?? 0) - mean;
    ss += d * d;
  }
  return [mean, Math.sqrt(ss / n)];
}

/** Least-squares slope of `y` against `t`; NaN when `t` has no spread. */
export function lsSlope(t: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = y.length;
  let st = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    st += t[i] ?? 0;
    sy += y[i] ?? 0;
  }
  const mt = st / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dt = (t[i] ?? 0) - mt;
    num += dt * ((y[i] ?? 0) - my);
    den += dt * dt;
  }
  return den > 0 ? num / den : Number.NaN;
}

/**
 * Writes the 7 stats of `track` over the selected frames to `out[at .. at + 7)`: mean, population SD, P10, P50,
 * P90, least-squares slope per second (frame `i` sits at `i * frameSeconds`), and P98 - P2. Fewer than 2 frames
 * leave all 7 NaN, since neither a spread nor a slope exists.
 */
export function sevenStats(
  track: Float64Array,
  frames: readonly number[] | Int32Array,
  frameSeconds: number,
  out: Float64Array,
  at: number,
): void {
  if (frames.length < 2) {
    out.fill(Number.NaN, at, at + N_STATS);
    return;
  }
  const y = select(track, frames);
  const t = Float64Array.from(frames, (f) => f * frameSeconds);
  const [mean, sd] = meanSd(y);
  const sorted = y.slice().sort();
  out[at] = mean;
  out[at + 1] = sd;
  out[at + 2] = percentileSorted(sorted, 10);
  out[at + 3] = percentileSorted(sorted, 50);
  out[at + 4] = percentileSorted(sorted, 90);
  out[at + 5] = lsSlope(t, y);
  out[at + 6] = percentileSorted(sorted, 98) - percentileSorted(sorted, 2);
}
