import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '../../src/mmer/safetensors';

const tensors = {
  'b.weight': { shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0, 1e-8, -7]) },
  'a.bias': { shape: [3], data: new Float32Array([0.25, 0.5, 0.75]) },
  scalar: { shape: [], data: new Float32Array([42]) },
};

/** A file built by hand from the format description, with an F16 tensor. */
function handMade(): Uint8Array {
  const header = JSON.stringify({
    h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
    __metadata__: { format: 'pt' },
  });
  const hb = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + hb.length + 4);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  v.setUint16(8 + hb.length, 0x3c00, true); // 1.0
  v.setUint16(8 + hb.length + 2, 0xc000, true); // -2.0
  return out;
}

describe('safetensors', () => {
  it('round-trips tensors and metadata exactly, data 8-byte aligned', () => {
    const bytes = encodeSafetensors(tensors, { labels: '["a","b"]' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const { tensors: back, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ labels: '["a","b"]' });
    expect(Object.keys(back).sort()).toEqual(['a.bias', 'b.weight', 'scalar']);
    for (const [name, t] of Object.entries(tensors)) {
      expect(back[name]?.shape).toEqual(t.shape);
      expect(back[name]?.data).toEqual(t.data);
    }
  });

  it('reads a file held at any offset of a larger buffer (a Node Buffer from its pool, an unaligned view)', () => {
    const bytes = encodeSafetensors(tensors);
    const padded = new Uint8Array(bytes.byteLength + 3);
    padded.set(bytes, 3);
    for (const holder of [Buffer.from(bytes), padded.subarray(3)]) {
      const back = decodeSafetensors(holder).tensors;
      for (const [name, t] of Object.entries(tensors)) {
        expect(back[name]?.data).toEqual(t.data);
        // Each tensor owns exactly its values, not the buffer the file sat in.
        expect(back[name]?.data.buffer.byteLength).toBe(4 * t.data.length);
      }
    }
  });

  it('writes only the values of a tensor that views part of a larger array', () => {
    const wide = new Float32Array([9, 9, 1, 2, 3, 9]);
    const back = decodeSafetensors(encodeSafetensors({ v: { shape: [3], data: wide.subarray(2, 5) } })).tensors;
    expect(back.v?.data).toEqual(new Float32Array([1, 2, 3]));
  });

  it('is deterministic whatever the key order', () => {
    const reordered = { scalar: tensors.scalar, 'a.bias': tensors['a.bias'], 'b.weight': tensors['b.weight'] };
    expect(encodeSafetensors(reordered)).toEqual(encodeSafetensors(tensors));
  });

  it('reads F16 tensors written by other tools', () => {
    const { tensors: t, metadata } = decodeSafetensors(handMade());
    expect(Array.from(t.h?.data ?? [])).toEqual([1, -2]);
    expect(metadata.format).toBe('pt');
  });

  const broken: { name: string; bytes: () => Uint8Array; message: RegExp }[] = [
    { name: 'too short', bytes: () => new Uint8Array(3), message: /too short/ },
    {
      name: 'header longer than the file',
      bytes: () => encodeSafetensors(tensors).subarray(0, 20),
      message: /header claims/,
    },
    {
      name: 'truncated data',
      bytes: () => {
        const b = encodeSafetensors(tensors);
        return b.subarray(0, b.length - 4);
      },
      message: /points outside the file/,
    },
    {
      name: 'unsupported dtype',
      bytes: () => {
        const b = handMade();
        const s = new TextDecoder().decode(b).replace('F16', 'I64');
        return new TextEncoder().encode(s);
      },
      message: /dtype I64/,
    },
  ];
  it.each(broken)('rejects $name with a bad-model error', ({ bytes, message }) => {
    expect(() => decodeSafetensors(bytes())).toThrow(message);
  });

  it('refuses to write a tensor whose data does not fit its shape', () => {
    expect(() => encodeSafetensors({ x: { shape: [2, 2], data: new Float32Array(3) } })).toThrow(
      /"x" has 3 values but shape \[2, 2\]/,
    );
  });
});
