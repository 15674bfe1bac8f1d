/** IEEE 754 half precision (given as its 16 bits) to a JS number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

let table: Float32Array | null = null;

/**
 * Many halves (raw 16-bit words) to float32 through a 65,536-entry table built on first use (256 KB): one lookup per
 * value, against the arithmetic of `halfToFloat`, which matters for a head's or a graph's tens of millions of weights.
 */
export function halvesToFloats(words: Uint16Array): Float32Array {
  if (table === null) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = halfToFloat(h);
  }
  const t = table;
  const out = new Float32Array(words.length);
  for (let i = 0; i < words.length; i++) out[i] = t[words[i] ?? 0] ?? 0;
  return out;
}

const SCRATCH_F32 = new Float32Array(1);
const SCRATCH_U32 = new Uint32Array(SCRATCH_F32.buffer);

/** A JS number to IEEE 754 half precision bits, rounded to nearest even (as numpy's astype(float16) rounds). */
export function floatToHalf(v: number): number {
  SCRATCH_F32[0] = v;
  const x = SCRATCH_U32[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const rawExp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (rawExp === 0xff) return sign | 0x7c00 | (mant === 0 ? 0 : 0x200);
  const exp = rawExp - 127 + 15;
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - exp;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (exp << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}
