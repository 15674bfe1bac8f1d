/**
 * The Q8 layout of a weights file (src/mmer/int8-weights.ts): weight matrices as int8 with one scale per output
 * column, the rest float16, widened back to float32 on read. Round trips are checked against the quantisation bound,
 * and every malformed int8 file is refused naming the tensor.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { floatToHalf, halfToFloat } from '../../src/core/half';
import { mulberry32 } from '../../src/core/rng';
import { INT8_SCALE_SUFFIX, quantizeColumns } from '../../src/mmer/int8-weights';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../../src/mmer/safetensors';

const SCALE = (name: string): string => `${name}${INT8_SCALE_SUFFIX}`;

/** A [rows, cols] matrix whose columns span four orders of magnitude, with one all-zero column. */
function matrix(rows: number, cols: number, seed: number, zeroCol = -1): NamedTensor {
  const rand = mulberry32(seed);
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) data[r * cols + c] = c === zeroCol ? 0 : (rand() * 2 - 1) * 10 ** ((c % 5) - 3);
  return { shape: [rows, cols], data };
}

const tensors: Record<string, NamedTensor> = {
  'a.weight': matrix(40, 12, 1, 7),
  'a.bias': { shape: [12], data: Float32Array.from({ length: 12 }, (_, i) => Math.sin(i) / 3) },
  'ln.weight': { shape: [12], data: Float32Array.from({ length: 12 }, (_, i) => 1 + i / 100) },
  'b.weight': matrix(12, 5, 2),
  table: { shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i / 7) },
};

/** The header of a safetensors file, parsed. */
function headerOf(bytes: Uint8Array): Record<string, { dtype: string; shape: number[] }> {
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))) as Record<
    string,
    { dtype: string; shape: number[] }
  >;
}

describe('Q8 weights', () => {
  const bytes = encodeSafetensors(tensors, { format: 'mmer-head' }, 'Q8');
  const back = decodeSafetensors(bytes).tensors;

  it('stores 2-D .weight matrices as I8 with an F32 scale per column, everything else as F16', () => {
    const h = headerOf(bytes);
    expect(h['a.weight']).toMatchObject({ dtype: 'I8', shape: [40, 12] });
    expect(h[SCALE('a.weight')]).toMatchObject({ dtype: 'F32', shape: [12] });
    expect(h['b.weight']?.dtype).toBe('I8');
    for (const name of ['a.bias', 'ln.weight', 'table']) expect(h[name]?.dtype, name).toBe('F16');
    expect(h[SCALE('table')]).toBeUndefined();
  });

  it('reads back exactly the float tensors that were written, the scales gone', () => {
    expect(Object.keys(back).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) expect(back[name]?.shape, name).toEqual(t.shape);
    for (const name of ['a.bias', 'ln.weight', 'table']) {
      const want = Array.from(tensors[name]?.data ?? [], (v) => halfToFloat(floatToHalf(v)));
      expect(Array.from(back[name]?.data ?? []), name).toEqual(want);
    }
  });

  it('keeps every weight within half a step of its column (scale = max |w| / 127); a zero column stays zero', () => {
    for (const name of ['a.weight', 'b.weight']) {
      const t = tensors[name];
      const got = back[name]?.data;
      if (t === undefined || got === undefined) throw new Error(`${name} missing`);
      const [rows = 0, cols = 0] = t.shape;
      for (let c = 0; c < cols; c++) {
        let maxAbs = 0;
        let worst = 0;
        for (let r = 0; r < rows; r++) {
          const i = r * cols + c;
          maxAbs = Math.max(maxAbs, Math.abs(t.data[i] ?? 0));
          worst = Math.max(worst, Math.abs((t.data[i] ?? 0) - (got[i] ?? Number.NaN)));
        }
        const scale = maxAbs / 127;
        // The slack covers float32 rounding of the scale and of q · scale (a few ulps of max |w|), nothing more.
        expect(worst, `${name} column ${c}`).toBeLessThanOrEqual(scale / 2 + 1e-6 * maxAbs);
        if (maxAbs === 0) expect(worst).toBe(0);
        else expect(worst, `${name} column ${c} is quantised, not copied`).toBeGreaterThan(0);
      }
    }
    const { q, scale } = quantizeColumns('a.weight', tensors['a.weight']?.data ?? new Float32Array(0), 40, 12);
    expect(scale[7]).toBe(0);
    expect(Math.max(...Array.from(q, Math.abs))).toBe(127);
  });

  it('is about a quarter of the float32 bytes for a real-sized matrix', () => {
    const big = { 'w.weight': matrix(256, 256, 3), 'w.bias': { shape: [256], data: new Float32Array(256) } };
    const f32 = encodeSafetensors(big).byteLength;
    const q8 = encodeSafetensors(big, {}, 'Q8').byteLength;
    expect(q8 / f32).toBeLessThan(0.26);
    expect(q8 / f32).toBeGreaterThan(0.25);
  });

  it('gives equal bytes for equal inputs, whatever the key order', () => {
    const reordered = Object.fromEntries(Object.entries(tensors).reverse());
    expect(encodeSafetensors(reordered, { format: 'mmer-head' }, 'Q8')).toEqual(bytes);
    expect(encodeSafetensors(tensors, { format: 'mmer-head' }, 'Q8')).toEqual(bytes);
  });

  it('leaves F32 and F16 files as they were: the shipped float32 head re-encodes to its own bytes', () => {
    const shipped = readFileSync(new URL('../../public/models/heads/lite-ravdess8/model.safetensors', import.meta.url));
    const { tensors: t, metadata } = decodeSafetensors(shipped);
    expect(Buffer.from(encodeSafetensors(t, metadata, 'F32')).equals(shipped)).toBe(true);
    const f16 = encodeSafetensors(tensors, {}, 'F16');
    expect(new Set(Object.values(headerOf(f16)).map((e) => e.dtype))).toEqual(new Set(['F16']));
    const back16 = decodeSafetensors(f16).tensors;
    for (const [name, w] of Object.entries(tensors))
      expect(Array.from(back16[name]?.data ?? []), name).toEqual(
        Array.from(w.data, (v) => halfToFloat(floatToHalf(v))),
      );
  });

  it.each([
    ['a name reserved for scales', { [SCALE('x.weight')]: { shape: [2], data: new Float32Array(2) } }, /reserved/],
    [
      'a non-finite weight',
      { 'x.weight': { shape: [1, 2], data: new Float32Array([1, Infinity]) } },
      /"x.weight".*Infinity/,
    ],
  ])('refuses to write %s', (_, input, message) => {
    expect(() => encodeSafetensors(input, {}, 'Q8')).toThrow(message);
  });
});

/** One tensor of a hand-made file: its dtype, shape and raw little-endian bytes. */
interface RawTensor {
  readonly dtype: string;
  readonly shape: number[];
  readonly bytes: Uint8Array;
}

const f32 = (...v: number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);
const i8 = (...v: number[]): Uint8Array => new Uint8Array(new Int8Array(v).buffer);

/** A safetensors file built by hand, so a test can write what the encoder never would. */
function fileOf(entries: Record<string, RawTensor>): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, e] of Object.entries(entries)) {
    header[name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  const hb = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + hb.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let at = 8 + hb.length;
  for (const e of Object.values(entries)) {
    out.set(e.bytes, at);
    at += e.bytes.length;
  }
  return out;
}

const W = { dtype: 'I8', shape: [2, 3], bytes: i8(1, -2, 3, 127, 0, -127) };
const S = SCALE('w.weight');

describe('a malformed int8 file', () => {
  it('is read when well formed (the cases below differ from it in one thing)', () => {
    const t = decodeSafetensors(fileOf({ 'w.weight': W, [S]: { dtype: 'F32', shape: [3], bytes: f32(1, 0.5, 0) } }));
    expect(Object.keys(t.tensors)).toEqual(['w.weight']);
    expect(Array.from(t.tensors['w.weight']?.data ?? [])).toEqual([1, -1, 0, 127, 0, -0]);
  });

  const cases: { name: string; file: Record<string, RawTensor>; message: RegExp }[] = [
    { name: 'scale missing', file: { 'w.weight': W }, message: /"w\.weight" is I8 but its scale tensor .* is missing/ },
    {
      name: 'scale of the wrong length',
      file: { 'w.weight': W, [S]: { dtype: 'F32', shape: [2], bytes: f32(1, 1) } },
      message: /scale tensor "w\.weight\.__int8_scale__" has 2 values but "w\.weight" has 3 columns/,
    },
    {
      name: 'a negative scale',
      file: { 'w.weight': W, [S]: { dtype: 'F32', shape: [3], bytes: f32(1, -0.5, 1) } },
      message: /"w\.weight\.__int8_scale__" holds -0\.5 at \[1\]/,
    },
    {
      name: 'a NaN scale',
      file: { 'w.weight': W, [S]: { dtype: 'F32', shape: [3], bytes: f32(1, 1, Number.NaN) } },
      message: /"w\.weight\.__int8_scale__" holds NaN at \[2\]/,
    },
    {
      name: 'an infinite scale',
      file: { 'w.weight': W, [S]: { dtype: 'F32', shape: [3], bytes: f32(Infinity, 1, 1) } },
      message: /"w\.weight\.__int8_scale__" holds Infinity at \[0\]/,
    },
    {
      name: 'an I8 tensor that is not 2-D',
      file: { 'w.weight': { ...W, shape: [6] }, [S]: { dtype: 'F32', shape: [1], bytes: f32(1) } },
      message: /"w\.weight" is I8 with shape \[6\]; only 2-D/,
    },
    {
      name: 'a 3-D I8 tensor',
      file: { 'w.weight': { ...W, shape: [1, 2, 3] }, [S]: { dtype: 'F32', shape: [3], bytes: f32(1, 1, 1) } },
      message: /"w\.weight" is I8 with shape \[1, 2, 3\]/,
    },
    {
      name: 'a scale stored as I8',
      file: { 'w.weight': W, [S]: { dtype: 'I8', shape: [3], bytes: i8(1, 1, 1) } },
      message: /w\.weight\.__int8_scale__/,
    },
    {
      name: 'a scale without its matrix',
      file: { [S]: { dtype: 'F32', shape: [3], bytes: f32(1, 1, 1) } },
      message: /"w\.weight\.__int8_scale__" has no I8 tensor "w\.weight"/,
    },
    {
      name: 'an unknown dtype',
      file: { 'w.weight': { ...W, dtype: 'U8' } },
      message: /"w\.weight" has dtype U8; only F32, F16 and I8/,
    },
    {
      name: 'I8 bytes that do not fit the shape',
      file: { 'w.weight': { ...W, shape: [2, 4] }, [S]: { dtype: 'F32', shape: [4], bytes: f32(1, 1, 1, 1) } },
      message: /"w\.weight" has 6 bytes but shape \[2, 4\] needs 8/,
    },
  ];
  it.each(cases)('is refused for $name, naming the tensor', ({ file, message }) => {
    let err: unknown;
    try {
      decodeSafetensors(fileOf(file));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('bad-model');
    expect((err as AppError).message).toMatch(message);
  });
});
