/**
 * The safetensors container (8-byte little-endian header length, a JSON header, then raw little-endian tensor
 * bytes), as used for trained heads: `model.safetensors` beside `config.json`. F32 and F16 are written and read
 * (F16 halves a shipped head's download; it is widened back to F32 on load). Written from the format description; no dependency needed for so small a format.
 */
import { AppError } from '../core/errors';
import { floatToHalf, halfToFloat } from '../core/half';

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

/** How a file's tensors are stored: F32 as computed, or F16 (rounded to nearest even) for a smaller download. */
export type StoredDtype = 'F32' | 'F16';

/**
 * Serialises tensors (sorted by name, so equal inputs give equal bytes) with optional string metadata, every tensor
 * as `dtype`.
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, NamedTensor>>,
  metadata: Readonly<Record<string, string>> = {},
  dtype: StoredDtype = 'F32',
): Uint8Array {
  const width = dtype === 'F32' ? 4 : 2;
  const names = Object.keys(tensors).sort();
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    if (t === undefined) continue;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length)
      throw bad(`tensor "${name}" has ${t.data.length} values but shape [${t.shape.join(', ')}]`);
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + width * count] };
    offset += width * count;
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
    const t = tensors[name];
    const entry = header[name] as HeaderEntry | undefined;
    if (t === undefined || entry === undefined) continue;
    const at = base + entry.data_offsets[0];
    if (dtype === 'F16') {
      for (let i = 0; i < t.data.length; i++) view.setUint16(at + 2 * i, floatToHalf(t.data[i] ?? 0), true);
      continue;
    }
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, 4 * t.data.length), at);
      continue;
    }
    for (let i = 0; i < t.data.length; i++) view.setFloat32(at + 4 * i, t.data[i] ?? 0, true);
  }
  return out;
}

/** Parses a safetensors file; throws AppError('bad-model') naming what is wrong. */
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
    const width = e.dtype === 'F32' ? 4 : e.dtype === 'F16' ? 2 : 0;
    if (width === 0) throw bad(`tensor "${name}" has dtype ${String(e.dtype)}; only F32 and F16 are supported`);
    if (end - begin !== count * width)
      throw bad(`tensor "${name}" has ${end - begin} bytes but shape [${shape.join(', ')}] needs ${count * width}`);
    const at = dataStart + begin;
    let data: Float32Array;
    if (width === 4 && LITTLE_ENDIAN) {
      // A byte copy reinterpreted: tens of times faster than reading floats one by one (a base head is 35 M of them).
      // (Copied through set(): a Node Buffer's slice() is a view of its shared pool, not a copy.)
      const copy = new Uint8Array(4 * count);
      copy.set(bytes.subarray(at, at + 4 * count));
      data = new Float32Array(copy.buffer);
    } else {
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        data[i] = width === 4 ? view.getFloat32(at + 4 * i, true) : halfToFloat(view.getUint16(at + 2 * i, true));
      }
    }
    tensors[name] = { shape, data };
  }
  return { tensors, metadata };
}
