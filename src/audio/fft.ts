/** The real-input FFT behind the log-mel frames: a power spectrum from one half-size complex radix-2 FFT. */

/** Tables of one FFT size, built once and shared by every frame. */
export interface FftPlan {
  /** Bit-reversal permutation for the half-size complex FFT. */
  readonly bitrev: Uint32Array;
  /** cos/sin of -2*pi*k/nFft for k < nFft/2, shared by the complex stages and the real-split step. */
  readonly cos: Float64Array;
  readonly sin: Float64Array;
}

/** The tables for an `nFft`-point real FFT (`nFft` a power of two). */
export function fftPlan(nFft: number): FftPlan {
  const half = nFft / 2;
  const bits = Math.log2(half);
  const bitrev = new Uint32Array(half);
  for (let i = 0; i < half; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    bitrev[i] = r;
  }
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    cos[k] = Math.cos((-2 * Math.PI * k) / nFft);
    sin[k] = Math.sin((-2 * Math.PI * k) / nFft);
  }

  return { bitrev, cos, sin };
}

/** In-place iterative radix-2 complex FFT of the `n = nFft / 2` values in `re` + i `im`. */
function fftComplex(re: Float64Array, im: Float64Array, plan: FftPlan): void {
  const n = re.length;
  const { bitrev, cos, sin } = plan;
  for (let i = 0; i < n; i++) {
    const j = bitrev[i] ?? 0;
    if (j > i) {
      const tr = re[i] ?? 0;
      re[i] = re[j] ?? 0;
      re[j] = tr;
      const ti = im[i] ?? 0;
      im[i] = im[j] ?? 0;
      im[j] = ti;
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const halfSize = size >> 1;
    // Twiddles for a size-`size` stage are every (2n / size)-th entry of the size-2n tables.
    const stride = (2 * n) / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < halfSize; k++) {
        const wr = cos[k * stride] ?? 0;
        const wi = sin[k * stride] ?? 0;
        const a = start + k;
        const b = a + halfSize;
        const br = re[b] ?? 0;
        const bi = im[b] ?? 0;
        const tr = br * wr - bi * wi;
        const ti = br * wi + bi * wr;
        const ar = re[a] ?? 0;
        const ai = im[a] ?? 0;
        re[a] = ar + tr;
        im[a] = ai + ti;
        re[b] = ar - tr;
        im[b] = ai - ti;
      }
    }
  }
}

/**
 * Power spectrum (bins 0..nFft/2) of one real frame, using the standard trick of packing the even and
 * odd samples into one half-size complex FFT and separating them afterwards.
 */
export function powerSpectrum(
  frame: Float64Array,
  re: Float64Array,
  im: Float64Array,
  power: Float64Array,
  plan: FftPlan,
): void {
  const half = re.length;
  for (let i = 0; i < half; i++) {
    re[i] = frame[2 * i] ?? 0;
    im[i] = frame[2 * i + 1] ?? 0;
  }
  fftComplex(re, im, plan);
  const { cos, sin } = plan;
  for (let k = 0; k <= half; k++) {
    const a = re[k % half] ?? 0;
    const b = im[k % half] ?? 0;
    const c = re[(half - k) % half] ?? 0;
    const d = im[(half - k) % half] ?? 0;
    // Even part E = (Z[k] + conj Z[h-k]) / 2, odd part O = (Z[k] - conj Z[h-k]) / 2i, X = E + W^k O.
    const er = 0.5 * (a + c);
    const ei = 0.5 * (b - d);
    const or = 0.5 * (b + d);
    const oi = -0.5 * (a - c);
    // W^half = -1 is not in the table, which stops at half - 1.
    const wr = k === half ? -1 : (cos[k] ?? 0);
    const wi = k === half ? 0 : (sin[k] ?? 0);
    const xr = er + wr * or - wi * oi;
    const xi = ei + wr * oi + wi * or;
    power[k] = xr * xr + xi * xi;
  }
}
