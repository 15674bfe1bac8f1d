/**
 * A small `scipy.signal.find_peaks` for the energy-peak rate: local maxima (flat tops reduced to their middle
 * sample), then the distance filter, then the prominence filter, in scipy's order. The order matters: scipy drops
 * peaks that are too close before it looks at prominence, and prominences are measured on the full signal.
 */

/** Conditions of `findPeaks`; both optional, as in scipy. */
export interface PeakOptions {
  /** Minimum prominence (inclusive), in the signal's units. */
  readonly prominence?: number;
  /** Minimum spacing in samples between kept peaks (scipy rounds it up). */
  readonly distance?: number;
}

/** scipy's `_local_maxima_1d`: strict rise, optional plateau, strict fall; edges never count. */
function localMaxima(x: ArrayLike<number>): number[] {
  const peaks: number[] = [];
  const last = x.length - 1;
  let i = 1;
  while (i < last) {
    const xi = x[i] ?? 0;
    if ((x[i - 1] ?? 0) < xi) {
      let ahead = i + 1;
      while (ahead < last && x[ahead] === xi) ahead++;
      if ((x[ahead] ?? 0) < xi) {
        peaks.push(Math.floor((i + ahead - 1) / 2));
        i = ahead;
      }
    }
    i++;
  }
  return peaks;
}

/**
 * scipy's `_select_by_peak_distance`: visit peaks from highest to lowest and drop every still-kept neighbour
 * closer than `distance`. Equal heights go highest index first (what a stable argsort visited from the end gives).
 */
function byDistance(peaks: readonly number[], x: ArrayLike<number>, distance: number): number[] {
  const d = Math.ceil(distance);
  const keep = peaks.map(() => true);
  const order = peaks.map((_, i) => i).sort((a, b) => (x[peaks[a] ?? 0] ?? 0) - (x[peaks[b] ?? 0] ?? 0) || a - b);
  for (let r = order.length - 1; r >= 0; r--) {
    const j = order[r] ?? 0;
    if (!keep[j]) continue;
    const pj = peaks[j] ?? 0;
    for (let k = j - 1; k >= 0 && pj - (peaks[k] ?? 0) < d; k--) keep[k] = false;
    for (let k = j + 1; k < peaks.length && (peaks[k] ?? 0) - pj < d; k++) keep[k] = false;
  }
  return peaks.filter((_, i) => keep[i]);
}

/**
 * scipy's `_peak_prominences` with no window: walk out each side while the signal stays at or below the peak,
 * remember the lowest point; prominence = peak minus the higher of the two minima.
 */
export function prominence(x: ArrayLike<number>, peak: number): number {
  const top = x[peak] ?? 0;
  let leftMin = top;
  for (let i = peak; i >= 0 && (x[i] ?? 0) <= top; i--) leftMin = Math.min(leftMin, x[i] ?? 0);
  let rightMin = top;
  for (let i = peak; i < x.length && (x[i] ?? 0) <= top; i++) rightMin = Math.min(rightMin, x[i] ?? 0);
  return top - Math.max(leftMin, rightMin);
}

/** Indices of the peaks of `x` that meet the conditions, ascending, as `scipy.signal.find_peaks(x, ...)[0]`. */
export function findPeaks(x: ArrayLike<number>, options: PeakOptions = {}): number[] {
  let peaks = localMaxima(x);
  if (options.distance !== undefined && peaks.length > 1) peaks = byDistance(peaks, x, options.distance);
  const minProminence = options.prominence;
  if (minProminence !== undefined) peaks = peaks.filter((p) => prominence(x, p) >= minProminence);
  return peaks;
}
