// Independent plain-JavaScript float64 forward pass of the same block, for the loss only (no engine involved).
import { BERT, bertData } from './common.js';

function matmulBias(x, n, k, w, m, b) {
  // x [n,k] · w [k,m] + b[m]
  const y = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const yi = i * m;
    for (let j = 0; j < m; j++) y[yi + j] = b[j];
    for (let p = 0; p < k; p++) {
      const a = x[i * k + p],
        wp = p * m;
      for (let j = 0; j < m; j++) y[yi + j] += a * w[wp + j];
    }
  }
  return y;
}
function layerNorm(x, n, d, g, b, eps) {
  const y = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[i * d + j];
    mean /= d;
    let v = 0;
    for (let j = 0; j < d; j++) {
      const c = x[i * d + j] - mean;
      v += c * c;
    }
    v /= d;
    const r = 1 / Math.sqrt(v + eps);
    for (let j = 0; j < d; j++) y[i * d + j] = (x[i * d + j] - mean) * r * g[j] + b[j];
  }
  return y;
}
// erf with ~1e-16 accuracy via series / continued fraction.
function erf(x) {
  const ax = Math.abs(x);
  if (ax < 3) {
    // Maclaurin series
    let sum = ax,
      term = ax,
      k = 0;
    while (Math.abs(term) > 1e-17 * Math.abs(sum)) {
      k++;
      term *= (-ax * ax) / k;
      sum += term / (2 * k + 1);
      if (k > 200) break;
    }
    return ((Math.sign(x) * 2) / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction (Lentz) for |x| >= 3
  let f = ax,
    C = ax,
    D = 0;
  for (let i = 1; i < 200; i++) {
    const an = i / 2;
    D = ax + an * D;
    D = 1 / D;
    C = ax + an / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}
export function loss64() {
  const { params: P, x: X } = bertData();
  const { batch: B, seq: T, d: D, heads: H, ffn: F, eps } = BERT;
  const N = B * T,
    dh = D / H;
  const p = {};
  for (const k in P) p[k] = Float64Array.from(P[k].data);
  const x = Float64Array.from(X.data);
  const q = matmulBias(x, N, D, p.wq, D, p.bq),
    k = matmulBias(x, N, D, p.wk, D, p.bk),
    v = matmulBias(x, N, D, p.wv, D, p.bv);
  const ctx = new Float64Array(N * D);
  const s = new Float64Array(T);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++) {
        const qi = (b * T + i) * D + h * dh;
        let mx = -Infinity;
        for (let j = 0; j < T; j++) {
          const kj = (b * T + j) * D + h * dh;
          let dot = 0;
          for (let c = 0; c < dh; c++) dot += q[qi + c] * k[kj + c];
          s[j] = dot / Math.sqrt(dh);
          if (s[j] > mx) mx = s[j];
        }
        let z = 0;
        for (let j = 0; j < T; j++) {
          s[j] = Math.exp(s[j] - mx);
          z += s[j];
        }
        for (let j = 0; j < T; j++) {
          const w = s[j] / z,
            vj = (b * T + j) * D + h * dh;
          for (let c = 0; c < dh; c++) ctx[qi + c] += w * v[vj + c];
        }
      }
  const attn = matmulBias(ctx, N, D, p.wo, D, p.bo);
  for (let i = 0; i < N * D; i++) attn[i] += x[i];
  const hh = layerNorm(attn, N, D, p.g1, p.be1, eps);
  const inner = matmulBias(hh, N, D, p.w1, F, p.b1);
  for (let i = 0; i < inner.length; i++) inner[i] = 0.5 * inner[i] * (1 + erf(inner[i] * Math.SQRT1_2));
  const out = matmulBias(inner, N, F, p.w2, D, p.b2);
  for (let i = 0; i < N * D; i++) out[i] += hh[i];
  const y = layerNorm(out, N, D, p.g2, p.be2, eps);
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += y[i] * y[i];
  return sum / y.length;
}
