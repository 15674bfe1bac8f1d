/**
 * Band-limited sample-rate conversion with a Kaiser-windowed sinc kernel.
 *
 * The one-shot `resample` and the chunked `StreamingResampler` share one plan (kernel table) and one
 * rendering routine, so a microphone stream resampled chunk by chunk gives the same samples as the
 * whole recording resampled at once.
 */
import { AppError } from '../core/errors';

/**
 * Passband edge and stopband edge as fractions of the lower Nyquist frequency. The stopband starts
 * exactly at Nyquist so nothing above it can alias back; 0.9 keeps speech content up to 7.2 kHz at 16 kHz.
 */
const PASS_EDGE = 0.9;
const STOP_EDGE = 1.0;
/** Stopband attenuation target in dB; well below 16-bit quantisation noise relative to speech levels. */
const ATTENUATION_DB = 80;
/** Rational ratios with at most this many phases get an exact polyphase table (all common rates do). */
const MAX_EXACT_PHASES = 1024;
/** Phases of the interpolated table used for awkward ratios; linear interpolation error is about -95 dB. */
const INTERP_PHASES = 256;

interface Plan {
  readonly fromRate: number;
  readonly toRate: number;
  /** Output samples per `down` input samples (exact mode), i.e. the reduced ratio `up / down`. */
  readonly up: number;
  readonly down: number;
  readonly exact: boolean;
  /** Input samples advanced per output sample, for the interpolated mode. */
  readonly step: number;
  /** Rows in the table: `up` in exact mode, `INTERP_PHASES + 1` in interpolated mode. */
  readonly phases: number;
  readonly taps: number;
  /** Zeros assumed before the first input sample; the kernel reaches `halfTaps - 1` samples back. */
  readonly leftPad: number;
  /** Zeros assumed after the last input sample, enough for every output the length formula asks for. */
  readonly rightPad: number;
  /** `phases` rows of `taps` coefficients; row r is the kernel at fractional position r / phases. */
  readonly table: Float32Array;
}

const plans = new Map<string, Plan>();

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind, by its power series. */
function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 64 && term > sum * 1e-17; k++) {
    term *= q / (k * k);
    sum += term;
  }
  return sum;
}

function checkRate(rate: number): void {
  if (!Number.isFinite(rate) || rate <= 0) {
    throw new AppError(
      'decode-failed',
      `Cannot resample audio with a sample rate of ${rate} Hz; the rate must be a positive number.`,
    );
  }
}

function getPlan(fromRate: number, toRate: number): Plan {
  const key = `${fromRate}>${toRate}`;
  const cached = plans.get(key);
  if (cached) return cached;

  const integral = Number.isInteger(fromRate) && Number.isInteger(toRate);
  const g = integral ? gcd(fromRate, toRate) : 1;
  const up = integral ? toRate / g : 0;
  const down = integral ? fromRate / g : 0;
  const exact = integral && up <= MAX_EXACT_PHASES;
  const phases = exact ? up : INTERP_PHASES + 1;

  // Everything below is measured in input samples: the cutoff `c` is in cycles per input sample.
  const lowRatio = Math.min(1, toRate / fromRate);
  const cutoff = 0.25 * (PASS_EDGE + STOP_EDGE) * lowRatio;
  const transition = 0.5 * (STOP_EDGE - PASS_EDGE) * lowRatio;
  // Kaiser's design formulas: beta from the attenuation, length from the transition width.
  const beta = 0.1102 * (ATTENUATION_DB - 8.7);
  const length = (ATTENUATION_DB - 7.95) / (2.285 * 2 * Math.PI * transition);
  const halfWidth = length / 2;
  const halfTaps = Math.ceil(halfWidth);
  const taps = 2 * halfTaps;

  const table = new Float32Array(phases * taps);
  const i0Beta = besselI0(beta);
  const rowScale = exact ? up : INTERP_PHASES;
  for (let r = 0; r < phases; r++) {
    const frac = r / rowScale;
    for (let j = 0; j < taps; j++) {
      // Tap j multiplies input sample (i - halfTaps + 1 + j) for an output at time i + frac.
      const u = frac + halfTaps - 1 - j;
      const ratio = u / halfWidth;
      if (ratio <= -1 || ratio >= 1) continue;
      const x = 2 * cutoff * u;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const window = besselI0(beta * Math.sqrt(1 - ratio * ratio)) / i0Beta;
      table[r * taps + j] = 2 * cutoff * sinc * window;
    }
  }

  const plan: Plan = {
    fromRate,
    toRate,
    up,
    down,
    exact,
    step: fromRate / toRate,
    phases,
    taps,
    leftPad: halfTaps - 1,
    // The last output sits before the last input sample (round(x) - 1 < x), so halfTaps zeros cover its reach.
    rightPad: halfTaps,
    table,
  };
  plans.set(key, plan);
  return plan;
}

/**
 * Index (in padded coordinates, where input sample k sits at k + leftPad) of the first input sample
 * that output `m` reads; the last one is this plus `taps - 1`.
 */
function firstInput(plan: Plan, m: number): number {
  if (plan.exact) return Math.floor((m * plan.down) / plan.up);
  return Math.floor(m * plan.step);
}

/** Dot product of `taps` (always even) elements; two accumulators shorten the dependency chain. */
function dot(a: Float32Array, ia: number, b: Float32Array, ib: number, taps: number): number {
  let s0 = 0;
  let s1 = 0;
  for (let j = 0; j < taps; j += 2) {
    s0 += (a[ia + j] ?? 0) * (b[ib + j] ?? 0);
    s1 += (a[ia + j + 1] ?? 0) * (b[ib + j + 1] ?? 0);
  }
  return s0 + s1;
}

/**
 * Renders outputs `m0 .. m0 + out.length - 1` from `src`, whose element 0 is padded index `srcBase`.
 * This is the only convolution loop, shared by the one-shot and streaming paths.
 */
function render(plan: Plan, src: Float32Array, srcBase: number, m0: number, out: Float32Array): void {
  const { table, taps } = plan;
  for (let o = 0; o < out.length; o++) {
    const m = m0 + o;
    let i: number;
    let row: number;
    let w = 0;
    if (plan.exact) {
      const num = m * plan.down;
      i = Math.floor(num / plan.up);
      row = num - i * plan.up;
    } else {
      const t = m * plan.step;
      i = Math.floor(t);
      const pos = (t - i) * INTERP_PHASES;
      row = Math.floor(pos);
      w = pos - row;
    }
    const start = i - srcBase;
    const k0 = row * taps;
    let acc = dot(src, start, table, k0, taps);
    if (w > 0) {
      // Between two tabulated phases: blend with the next row.
      const k1 = k0 + taps;
      const acc1 = dot(src, start, table, k1, taps);
      acc += w * (acc1 - acc);
    }
    out[o] = acc;
  }
}

function outputLength(n: number, fromRate: number, toRate: number): number {
  return Math.round((n * toRate) / fromRate);
}

/**
 * Converts `input` from `fromRate` to `toRate` Hz with an anti-aliasing low-pass at 0.95 of the lower
 * Nyquist frequency (passband to 0.9, at least 80 dB down from Nyquist on). The output has
 * `Math.round(n * toRate / fromRate)` samples and no delay; equal rates return a copy.
 * Throws `AppError('decode-failed')` for a rate that is not a positive number.
 */
export function resample(input: Float32Array, fromRate: number, toRate: number): Float32Array {
  checkRate(fromRate);
  checkRate(toRate);
  if (fromRate === toRate) return input.slice();
  const plan = getPlan(fromRate, toRate);
  const padded = new Float32Array(plan.leftPad + input.length + plan.rightPad);
  padded.set(input, plan.leftPad);
  const out = new Float32Array(outputLength(input.length, fromRate, toRate));
  render(plan, padded, 0, 0, out);
  return out;
}

/**
 * Resamples a stream chunk by chunk. The concatenation of every `push` result and the final `flush`
 * equals `resample` applied to the concatenated input (to float rounding), so capture can convert as it
 * records. Outputs are held back until the kernel has seen the input samples they need.
 */
export class StreamingResampler {
  private readonly plan: Plan | null;
  /** Pending input; element 0 is padded index `base`. Starts with the left zero padding. */
  private buffer: Float32Array;
  private length: number;
  private base = 0;
  private produced = 0;
  private received = 0;
  private flushed = false;

  /** Throws `AppError('decode-failed')` for a rate that is not a positive number. */
  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    checkRate(fromRate);
    checkRate(toRate);
    this.plan = fromRate === toRate ? null : getPlan(fromRate, toRate);
    const pad = this.plan ? this.plan.leftPad : 0;
    this.buffer = new Float32Array(Math.max(1024, 2 * (pad + (this.plan?.taps ?? 0))));
    this.length = pad;
  }

  /** Adds input samples and returns every output sample that is now fully determined. */
  push(chunk: Float32Array): Float32Array {
    if (this.flushed)
      throw new AppError('internal', 'The resampler was already flushed; create a new one for a new stream.');
    this.received += chunk.length;
    if (!this.plan) return chunk.slice();
    this.append(chunk);
    return this.drain(Number.POSITIVE_INFINITY);
  }

  /** Ends the stream: returns the remaining output, treating the input after the end as silence. */
  flush(): Float32Array {
    if (this.flushed) return new Float32Array(0);
    this.flushed = true;
    if (!this.plan) return new Float32Array(0);
    this.append(new Float32Array(this.plan.rightPad));
    return this.drain(outputLength(this.received, this.fromRate, this.toRate));
  }

  private append(chunk: Float32Array): void {
    if (this.length + chunk.length > this.buffer.length) {
      const grown = new Float32Array(Math.max(2 * this.buffer.length, this.length + chunk.length));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length += chunk.length;
  }

  private drain(limit: number): Float32Array {
    const plan = this.plan;
    if (!plan) return new Float32Array(0);
    const end = this.base + this.length;
    let count = 0;
    while (this.produced + count < limit && firstInput(plan, this.produced + count) + plan.taps <= end) count++;
    const out = new Float32Array(count);
    render(plan, this.buffer, this.base, this.produced, out);
    this.produced += count;
    // Keep only what the next output can still read; shifting in place avoids reallocating per chunk.
    const keepFrom = Math.min(firstInput(plan, this.produced), end) - this.base;
    if (keepFrom > 0) {
      this.buffer.copyWithin(0, keepFrom, this.length);
      this.length -= keepFrom;
      this.base += keepFrom;
    }
    return out;
  }
}
