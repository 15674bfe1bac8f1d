/**
 * The safetensors container (8-byte little-endian header length, a JSON header, then raw little-endian tensor
 * bytes), as used for trained heads: `model.safetensors` beside `config.json`. F32, F16 and I8 are written and read;
 * F16 halves a shipped head's download and int8 matrices with their scales (int8-weights.ts) quarter it. Both are
 * widened back to F32 on read, so callers only ever see float32 tensors. Written from the format description; no
 * dependency needed for so small a format.
 */
import { AppError } from '../core/errors';
import { floatToHalf, halfToFloat, halvesToFloats } from '../core/half';
import { INT8_SCALE_SUFFIX, isInt8Matrix, quantizeColumns, widenInt8, type Int8Entry } from './int8-weights';

export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * safetensors stores little-endian floats: on a little-endian host (every browser and Node target) bytes copy as they
 * are.
 */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const bad = (message: string): AppError => new AppError('bad-model', `Checkpoint: ${message}`);

/**
 * How a file's tensors are stored: F32 as computed; F16 (rounded to nearest even) for half the download; Q8 for about
 * a quarter: weight matrices as int8 with per-column scales, the rest F16 (the layout is int8-weights.ts').
 */
export type StoredDtype = 'F32' | 'F16' | 'Q8';

/** One tensor as it goes into the file: its safetensors dtype and the values to write. */
type Stored =
  | { readonly dtype: 'F32' | 'F16'; readonly shape: readonly number[]; readonly values: Float32Array }
  | { readonly dtype: 'I8'; readonly shape: readonly number[]; readonly values: Int8Array };

const WIDTH = { F32: 4, F16: 2, I8: 1 } as const;

/** The tensors of a file written as `dtype`, by stored name (Q8 adds a scale tensor beside each int8 matrix). */
function storedTensors(tensors: Readonly<Record<string, NamedTensor>>, dtype: StoredDtype): Map<string, Stored> {
  const out = new Map<string, Stored>();
  for (const [name, t] of Object.entries(tensors)) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length)
      throw bad(`tensor "${name}" has ${t.data.length} values but shape [${t.shape.join(', ')}]`);
    if (name.endsWith(INT8_SCALE_SUFFIX))
      throw bad(`tensor "${name}" has a name reserved for int8 scales (ending "${INT8_SCALE_SUFFIX}")`);
    if (dtype === 'Q8' && isInt8Matrix(name, t.shape)) {
      const [rows = 0, cols = 0] = t.shape;
      const { q, scale } = quantizeColumns(name, t.data, rows, cols);
      out.set(name, { dtype: 'I8', shape: t.shape, values: q });
      out.set(`${name}${INT8_SCALE_SUFFIX}`, { dtype: 'F32', shape: [cols], values: scale });
    } else {
      out.set(name, { dtype: dtype === 'F32' ? 'F32' : 'F16', shape: t.shape, values: t.data });
    }
  }
  return out;
}

/**
 * Serialises tensors (sorted by name, so equal inputs give equal bytes) with optional string metadata, every tensor
 * as `dtype`.
 * @throws AppError('bad-model') for data that does not fit its shape, a name reserved for int8 scales, or (Q8) a
 * non-finite weight.
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, NamedTensor>>,
  metadata: Readonly<Record<string, string>> = {},
  dtype: StoredDtype = 'F32',
): Uint8Array {
  const stored = storedTensors(tensors, dtype);
  const names = [...stored.keys()].sort();
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const name of names) {
    const t = stored.get(name);
    if (t === undefined) continue;
    const bytes = WIDTH[t.dtype] * t.values.length;
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned (readers may map it as typed arrays).
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  const base = 8 + headerBytes.length;
  for (const name of names) {
    const t = stored.get(name);
    const entry = header[name] as HeaderEntry | undefined;
    if (t === undefined || entry === undefined) continue;
    const at = base + entry.data_offsets[0];
    const v = t.values;
    if (t.dtype === 'I8') out.set(new Uint8Array(v.buffer, v.byteOffset, v.length), at);
    else if (t.dtype === 'F16')
      for (let i = 0; i < v.length; i++) view.setUint16(at + 2 * i, floatToHalf(v[i] ?? 0), true);
    else if (LITTLE_ENDIAN) out.set(new Uint8Array(v.buffer, v.byteOffset, 4 * v.length), at);
    else for (let i = 0; i < v.length; i++) view.setFloat32(at + 4 * i, v[i] ?? 0, true);
  }
  return out;
}

/**
 * Parses a safetensors file, widening F16 and I8 (with its scales) to F32; throws AppError('bad-model') naming what
 * is wrong.
 */
export function decodeSafetensors(bytes: Uint8Array): {
  tensors: Record<string, NamedTensor>;
  metadata: Record<string, string>;
} {
  if (bytes.byteLength < 8) throw bad('the file is too short to be a safetensors file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.byteLength - 8)
    throw bad(`the header claims ${headerLen} bytes but the file has ${bytes.byteLength - 8} after the length field`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, unknown>;
  } catch {
    throw bad('the header is not valid JSON');
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const tensors: Record<string, NamedTensor> = {};
  const int8 = new Map<string, Int8Entry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as Partial<HeaderEntry>;
    const shape = e.shape;
    const offsets = e.data_offsets;
    if (!Array.isArray(shape) || !Array.isArray(offsets)) throw bad(`tensor "${name}" has a malformed header entry`);
    const [begin, end] = offsets as readonly number[];
    if (begin === undefined || end === undefined) throw bad(`tensor "${name}" has a malformed header entry`);
    if (begin < 0 || end < begin || end > dataLen)
      throw bad(`tensor "${name}" points outside the file (bytes ${begin}..${end} of ${dataLen})`);
    const count = shape.reduce((a, b) => a * b, 1);
    const dtype = e.dtype;
    if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'I8')
      throw bad(`tensor "${name}" has dtype ${String(dtype)}; only F32, F16 and I8 are supported`);
    const width = WIDTH[dtype];
    if (end - begin !== count * width)
      throw bad(`tensor "${name}" has ${end - begin} bytes but shape [${shape.join(', ')}] needs ${count * width}`);
    const at = dataStart + begin;
    if (dtype === 'I8') {
      // A view: the values are only read while widening, below, so nothing keeps the file's buffer alive.
      int8.set(name, { shape, q: new Int8Array(bytes.buffer, bytes.byteOffset + at, count) });
      continue;
    }
    let data: Float32Array;
    if (width === 4 && LITTLE_ENDIAN) {
      // A byte copy reinterpreted: tens of times faster than reading floats one by one (a base head is 35 M of them).
      // (Copied through set(): a Node Buffer's slice() is a view of its shared pool, not a copy.)
      const copy = new Uint8Array(4 * count);
      copy.set(bytes.subarray(at, at + 4 * count));
      data = new Float32Array(copy.buffer);
    } else if (width === 2 && LITTLE_ENDIAN) {
      // Copied to an aligned buffer (a tensor may start at an odd offset), then widened through a table.
      const copy = new Uint8Array(2 * count);
      copy.set(bytes.subarray(at, at + 2 * count));
      data = halvesToFloats(new Uint16Array(copy.buffer));
    } else {
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        data[i] = width === 4 ? view.getFloat32(at + 4 * i, true) : halfToFloat(view.getUint16(at + 2 * i, true));
      }
    }
    tensors[name] = { shape, data };
  }
  return { tensors: widenInt8(int8, tensors), metadata };
}
