import { describe, expect, it } from 'vitest';
import { floatData } from '../../src/runtime/ort-types';

describe('floatData', () => {
  it('passes float32 through without copying', () => {
    const data = new Float32Array([1, 2, 3]);
    expect(floatData({ type: 'float32', dims: [3], data }, 'x')).toBe(data);
  });

  it.each([
    { bits: 0x3c00, value: 1 },
    { bits: 0xc000, value: -2 },
    { bits: 0x3555, value: 0.333251953125 },
    { bits: 0x0001, value: 2 ** -24 },
    { bits: 0x7bff, value: 65504 },
    { bits: 0x7c00, value: Infinity },
    { bits: 0x0000, value: 0 },
  ])('widens float16 bits $bits to $value', ({ bits, value }) => {
    const out = floatData({ type: 'float16', dims: [1], data: new Uint16Array([bits]) }, 'x');
    expect(out[0]).toBe(value);
  });

  it('names the output and its type when it is not a float tensor', () => {
    expect(() => floatData({ type: 'int64', dims: [1], data: new BigInt64Array(1) }, 'logits')).toThrow(
      /"logits" is int64/,
    );
    expect(() => floatData(undefined, 'hidden_state')).toThrow(/"hidden_state" is missing/);
  });
});
