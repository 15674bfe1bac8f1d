// Shared, engine-independent pieces: seeded data, timing harness, comparison.

export const MM = { m: 952, k: 256, n: 1024 };
export const BERT = { batch: 16, seq: 119, d: 256, heads: 4, ffn: 1024, eps: 1e-12 };

/** mulberry32: tiny deterministic 32-bit PRNG. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Float32Array of n normals * scale + shift, from a seeded PRNG (Box-Muller). */
export function normals(seed, n, scale = 1, shift = 0) {
  const rnd = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = Math.max(rnd(), 1e-12);
    const u2 = rnd();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2) * scale + shift;
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2) * scale + shift;
  }
  return out;
}

export function matmulData() {
  const { m, k, n } = MM;
  return {
    a: { shape: [m, k], data: normals(1, m * k) },
    b: { shape: [k, n], data: normals(2, k * n, 1 / Math.sqrt(k)) },
    c: { shape: [m, n], data: normals(3, m * n) },
  };
}

/** Names, shapes and data of the block's 16 weights, in a fixed order; plus the input x. */
export const BERT_PARAM_NAMES = [
  'wq',
  'bq',
  'wk',
  'bk',
  'wv',
  'bv',
  'wo',
  'bo',
  'g1',
  'be1',
  'w1',
  'b1',
  'w2',
  'b2',
  'g2',
  'be2',
];
export function bertData() {
  const { batch, seq, d, ffn } = BERT;
  const shapes = {
    wq: [d, d],
    bq: [d],
    wk: [d, d],
    bk: [d],
    wv: [d, d],
    bv: [d],
    wo: [d, d],
    bo: [d],
    g1: [d],
    be1: [d],
    w1: [d, ffn],
    b1: [ffn],
    w2: [ffn, d],
    b2: [d],
    g2: [d],
    be2: [d],
  };
  const params = {};
  BERT_PARAM_NAMES.forEach((name, i) => {
    const shape = shapes[name];
    const size = shape.reduce((p, s) => p * s, 1);
    let scale,
      shift = 0;
    if (shape.length === 2) scale = 1 / Math.sqrt(shape[0]);
    else if (name.startsWith('g')) {
      scale = 0.1;
      shift = 1;
    } else scale = 0.1;
    params[name] = { shape, data: normals(100 + i, size, scale, shift) };
  });
  const x = { shape: [batch, seq, d], data: normals(7, batch * seq * d) };
  return { params, x };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * d loss / d bk is exactly zero in exact arithmetic (a key bias shifts every score of a query row by the same
 * q·bk, and softmax ignores that), so its float32 value is pure rounding noise; it is reported but kept out of the max.
 */
export const EXCLUDE_FROM_MAX = ['bk'];

/**
 * Normwise max relative difference of two named output lists:
 * for each tensor, max_i |a_i - b_i| / max_i |b_i| (b is the reference); returns the worst tensor.
 */
export function compare(outA, outB, exclude = EXCLUDE_FROM_MAX) {
  let worst = { rel: 0, name: null };
  const per = {},
    refMaxAbs = {};
  for (const name of Object.keys(outB)) {
    const a = outA[name],
      b = outB[name];
    if (!a || a.length !== b.length) throw new Error(`compare: ${name} missing or wrong length`);
    let maxDiff = 0,
      maxRef = 0,
      nonFinite = 0;
    for (let i = 0; i < b.length; i++) {
      if (!Number.isFinite(a[i])) nonFinite++;
      const dd = Math.abs(a[i] - b[i]);
      if (dd > maxDiff || Number.isNaN(dd)) maxDiff = Number.isNaN(dd) ? Infinity : dd;
      const r = Math.abs(b[i]);
      if (r > maxRef) maxRef = r;
    }
    const rel = maxRef > 0 ? maxDiff / maxRef : maxDiff;
    per[name] = rel;
    refMaxAbs[name] = maxRef;
    if (nonFinite) per[name + '_nonFinite'] = nonFinite;
    if (exclude.includes(name)) continue;
    if (rel > worst.rel || worst.name === null) worst = { rel, name };
  }
  return { maxRel: worst.rel, worst: worst.name, per, refMaxAbs };
}

/**
 * Interleaved timing. `engines` is { label: async () => outputs }. Warm-up `warmup` calls each, then
 * `reps` rounds; each round runs every engine once, rotating the order each round.
 * Returns { label: { times, median, outputs } } where outputs is from the last warm-up call.
 */
export async function interleave(engines, { warmup = 2, reps = 5, log = () => {} } = {}) {
  const labels = Object.keys(engines);
  const res = {};
  for (const l of labels) {
    res[l] = { times: [], warmupTimes: [], outputs: null, error: null };
    for (let i = 0; i < warmup; i++) {
      try {
        const t0 = performance.now();
        const out = await engines[l]();
        res[l].warmupTimes.push(performance.now() - t0);
        res[l].outputs = out;
      } catch (e) {
        res[l].error = String(e && e.stack ? e.stack : e);
        log(`  ${l}: FAILED in warm-up: ${String(e)}`);
        break;
      }
    }
  }
  const ok = labels.filter((l) => !res[l].error);
  for (let r = 0; r < reps; r++) {
    const order = ok.map((_, i) => ok[(i + r) % ok.length]);
    for (const l of order) {
      const t0 = performance.now();
      await engines[l]();
      res[l].times.push(performance.now() - t0);
    }
    log(`  rep ${r + 1}/${reps}: ` + order.map((l) => `${l}=${res[l].times[r].toFixed(1)}ms`).join(' '));
  }
  for (const l of ok) res[l].median = median(res[l].times);
  return res;
}
