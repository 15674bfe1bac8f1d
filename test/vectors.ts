/** Comparisons of two outputs of equal length, for tests that check one graph or engine against another. */
import { expect } from 'vitest';

/** Cosine similarity of `a` and `b` (asserted to be of equal length). */
export function cosine(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] ?? 0) * (b[i] ?? 0);
    aa += (a[i] ?? 0) ** 2;
    bb += (b[i] ?? 0) ** 2;
  }
  return dot / Math.sqrt(aa * bb);
}
