/**
 * The one definition of how a head's weight matrices are stored as int8 (`StoredDtype` 'Q8', written and read by
 * safetensors.ts): a quarter of their float32 bytes, so a base-size head (35.5 M parameters) downloads in ~36 MB
 * instead of 71 MB as float16. Only the download shrinks: the reader widens every matrix back to float32, and the head
 * computes in float32 as before.
 *
 * Layout: a 2-D tensor named `*.weight` (a Linear's [in, out] matrix; params.ts) is stored with safetensors dtype `I8`,
 * one symmetric scale per output column (scale = max |w| over the column / 127, so w ≈ q · scale with q in
 * [-127, 127]), the scales in an F32 tensor [out] under `${name}${INT8_SCALE_SUFFIX}`. Per column, because a column is
 * one output unit: its weights share a range, while columns of one matrix can differ by orders of magnitude after
 * training. Everything else (biases, LayerNorm gains, anything not 2-D) is F16: small, and a gain or bias error moves
 * every activation, so it keeps more precision.
 */
import { AppError } from '../core/errors';

/**
 * Suffix of the key holding a matrix's per-column scales. Reserved: no parameter name ends in it (they end in
 * `.weight` or `.bias`), and the writer refuses a tensor named so, so a scale can never be mistaken for a parameter.
 */
export const INT8_SCALE_SUFFIX = '.__int8_scale__';

/** Largest stored magnitude: symmetric, so -128 is never written and 0 maps to 0 exactly. */
const Q_MAX = 127;

const bad = (message: string): AppError => new AppError('bad-model', `Checkpoint: ${message}`);

/** Whether the Q8 layout stores tensor `name` of `shape` as int8 (a Linear's weight matrix) rather than F16. */
export function isInt8Matrix(name: string, shape: readonly number[]): boolean {
  return shape.length === 2 && name.endsWith('.weight') && !name.endsWith(INT8_SCALE_SUFFIX);
}

/**
 * A [rows, cols] row-major matrix as int8 values and one scale per column. An all-zero column gets scale 0 (and
 * q = 0), never 0/0.
 * @throws AppError('bad-model') for a non-finite value, which no finite scale can represent.
 */
export function quantizeColumns(
  name: string,
  data: Float32Array,
  rows: number,
  cols: number,
): { q: Int8Array; scale: Float32Array } {
  const maxAbs = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c] ?? 0;
      if (!Number.isFinite(v)) throw bad(`tensor "${name}" holds ${v} at [${r}, ${c}]; int8 cannot store it`);
      const a = Math.abs(v);
      if (a > (maxAbs[c] ?? 0)) maxAbs[c] = a;
    }
  }
  // Rounded to float32 first, so the encoder divides by exactly the scale the decoder multiplies by.
  const scale = Float32Array.from(maxAbs, (m) => Math.fround(m / Q_MAX));
  const q = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const s = scale[c] ?? 0;
      if (s === 0) continue;
      const v = Math.round((data[r * cols + c] ?? 0) / s);
      // The float32 scale can be a hair under max/127; the clamp keeps that column's largest weight at ±127.
      q[r * cols + c] = Math.max(-Q_MAX, Math.min(Q_MAX, v));
    }
  }
  return { q, scale };
}

/** An int8 tensor as read from a file, before widening. */
export interface Int8Entry {
  readonly shape: readonly number[];
  readonly q: Int8Array;
}

/** A float32 tensor (safetensors.ts' NamedTensor). */
interface FloatTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * The tensors of a decoded file with every int8 tensor widened to float32 (w = q · scale) and the scale tensors
 * dropped, so the result holds exactly the parameter names and shapes of a float file.
 * @throws AppError('bad-model') naming the tensor for an int8 tensor that is not 2-D, a scale tensor that is
 * missing, of the wrong length, negative or not finite, or a scale tensor without its int8 matrix.
 */
export function widenInt8(
  int8: ReadonlyMap<string, Int8Entry>,
  floats: Readonly<Record<string, FloatTensor>>,
): Record<string, FloatTensor> {
  const out: Record<string, FloatTensor> = {};
  for (const [name, t] of Object.entries(floats)) {
    if (!name.endsWith(INT8_SCALE_SUFFIX)) {
      out[name] = t;
      continue;
    }
    const matrix = name.slice(0, -INT8_SCALE_SUFFIX.length);
    if (!int8.has(matrix)) throw bad(`scale tensor "${name}" has no I8 tensor "${matrix}" beside it`);
  }
  for (const [name, { shape, q }] of int8) {
    const scaleName = `${name}${INT8_SCALE_SUFFIX}`;
    if (name.endsWith(INT8_SCALE_SUFFIX)) throw bad(`scale tensor "${name}" must be F32 or F16, not I8`);
    if (shape.length !== 2)
      throw bad(`tensor "${name}" is I8 with shape [${shape.join(', ')}]; only 2-D matrices are stored as int8`);
    const [rows = 0, cols = 0] = shape;
    const s = floats[scaleName]?.data;
    if (s === undefined) throw bad(`tensor "${name}" is I8 but its scale tensor "${scaleName}" is missing`);
    if (s.length !== cols)
      throw bad(`scale tensor "${scaleName}" has ${s.length} values but "${name}" has ${cols} columns`);
    const wrong = s.findIndex((v) => !(Number.isFinite(v) && v >= 0));
    if (wrong >= 0)
      throw bad(`scale tensor "${scaleName}" holds ${s[wrong]} at [${wrong}]; a scale must be finite and ≥ 0`);
    const data = new Float32Array(rows * cols);
    for (let r = 0, i = 0; r < rows; r++) for (let c = 0; c < cols; c++, i++) data[i] = (q[i] ?? 0) * (s[c] ?? 0);
    out[name] = { shape, data };
  }
  return out;
}
