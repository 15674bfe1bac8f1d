// jax-js side: the same maths as tfjs-impl.js. jax-js uses reference-counted ownership: every op consumes its
// array arguments, so an array used k times needs k-1 `.ref`s.
import { numpy as np, nn, lax, jit, grad, valueAndGrad, tree } from '@jax-js/jax';
import { BERT, BERT_PARAM_NAMES } from './common.js';

/** Device of the arrays most recently read back (recorded so the report can say where jax-js really ran). */
export let lastOutputDevices = null;

async function readAll(named) {
  const names = Object.keys(named);
  lastOutputDevices = [...new Set(names.map((n) => named[n].device))];
  const datas = await Promise.all(names.map((n) => named[n].data())); // data() consumes the array
  const out = {};
  names.forEach((n, i) => {
    out[n] = datas[i];
  });
  return out;
}

const put = (t, device) => np.array(t.data, { device }).reshape(t.shape);

/** Returns engine closures; `jitted` wraps each function in jax-js's jit(). */
export function jaxMatmul(data, device) {
  const a = put(data.a, device),
    b = put(data.b, device),
    c = put(data.c, device);
  const fwd = (x, y) => np.matmul(x, y);
  const loss = (x, y, z) => np.matmul(x, y).mul(z).sum();
  const g = grad(loss, { argnums: [0, 1] });
  const fwdJ = jit(fwd),
    gJ = jit(g);
  return {
    forward: async () => readAll({ y: fwd(a.ref, b.ref) }),
    grad: async () => {
      const [da, db] = g(a.ref, b.ref, c.ref);
      return readAll({ da, db });
    },
    forwardJit: async () => readAll({ y: fwdJ(a.ref, b.ref) }),
    gradJit: async () => {
      const [da, db] = gJ(a.ref, b.ref, c.ref);
      return readAll({ da, db });
    },
    refCounts: () => [a.refCount, b.refCount, c.refCount],
    dispose: () => {
      a.dispose();
      b.dispose();
      c.dispose();
      fwdJ.dispose();
      gJ.dispose();
    },
  };
}

function linear(x, w, b) {
  return np.matmul(x, w).add(b);
}
function layerNorm(x, g, b, eps) {
  const mean = x.ref.mean(-1, { keepdims: true });
  const xc = x.sub(mean);
  const variance = np.square(xc.ref).mean(-1, { keepdims: true });
  const normed = xc.mul(np.reciprocal(np.sqrt(variance.add(eps))));
  return normed.mul(g).add(b);
}
function gelu(x) {
  return x.ref.mul(0.5).mul(lax.erf(x.mul(Math.SQRT1_2)).add(1));
}

/** Post-LN BERT self-attention block on x [B,T,D] (no mask, no dropout); returns [B*T, D]. Consumes p and x. */
export function jaxBlock(p, x) {
  const { batch: B, seq: T, d: D, heads: H, eps } = BERT;
  const dh = D / H;
  const x2 = x.reshape([B * T, D]);
  const split = (y) => y.reshape([B, T, H, dh]).transpose([0, 2, 1, 3]);
  const q = split(linear(x2.ref, p.wq, p.bq));
  const k = split(linear(x2.ref, p.wk, p.bk));
  const v = split(linear(x2.ref, p.wv, p.bv));
  const scores = np.matmul(q, k.transpose([0, 1, 3, 2])).div(Math.sqrt(dh));
  const probs = nn.softmax(scores, -1);
  const ctx = np
    .matmul(probs, v)
    .transpose([0, 2, 1, 3])
    .reshape([B * T, D]);
  const attn = linear(ctx, p.wo, p.bo);
  const h = layerNorm(x2.add(attn), p.g1, p.be1, eps);
  const inner = gelu(linear(h.ref, p.w1, p.b1));
  const out = linear(inner, p.w2, p.b2);
  return layerNorm(h.add(out), p.g2, p.be2, eps);
}

export function jaxBert(data, device) {
  const params = {};
  for (const n of BERT_PARAM_NAMES) params[n] = put(data.params[n], device);
  const x = put(data.x, device);
  const lossFn = (p, xx) => np.square(jaxBlock(p, xx)).mean();
  const vg = valueAndGrad(lossFn);
  const vgJ = jit(vg);
  const run = async (fn) => {
    const [loss, grads] = fn(tree.ref(params), x.ref);
    return readAll({ loss, ...grads });
  };
  return {
    step: () => run(vg),
    stepJit: () => run(vgJ),
    refCounts: () => [...BERT_PARAM_NAMES.map((n) => params[n].refCount), x.refCount],
    dispose: () => {
      tree.dispose(params);
      x.dispose();
      vgJ.dispose();
    },
  };
}
