// Turns results/results.json into a markdown summary (also runnable alone: node summarize.mjs [results.json]).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const f = (x, d = 1) => (x == null ? 'n/a' : x.toFixed(d));
const e = (x) => (x == null ? 'n/a' : x.toExponential(1));
const first = (s) => String(s).split('\n')[0];

/** Worst per-tensor relative difference over outputs other than `loss` and `bk` (exact gradient 0). */
function gradWorst(cmp) {
  let w = null;
  for (const [k, v] of Object.entries(cmp.per)) {
    if (k === 'loss' || k === 'bk' || k.endsWith('_nonFinite')) continue;
    if (!w || v > w.rel) w = { rel: v, name: k };
  }
  return w;
}

export function summarize(all) {
  const L = [];
  L.push(
    `Medians of ${all.reps} timed calls per engine (after ${all.warmup} warm-up calls each); engines interleaved, order rotated every round. Each timed call includes reading every output back to JS.`,
  );
  L.push('');
  L.push(
    '| env / backend | case | tfjs ms, median (min–max) | jax-js eager ms | jax-js jit ms | eager / tfjs | jit / tfjs |',
  );
  L.push('|---|---|---|---|---|---|---|');
  for (const r of all.results) {
    if (r.error) {
      L.push(`| ${r.env} | ${r.case ?? ''} | FAILED: ${first(r.error)} | | | | |`);
      continue;
    }
    const t = r.engines.tfjs?.median,
      je = r.engines['jax-eager']?.median,
      jj = r.engines['jax-jit']?.median;
    const cell = (k) => {
      const x = r.engines[k];
      if (x?.error) return `FAILED: ${first(x.error)}`;
      if (!x?.times?.length) return 'n/a';
      return `${f(x.median)} (${f(Math.min(...x.times))}–${f(Math.max(...x.times))})`;
    };
    L.push(
      `| ${r.env} | ${r.case} | ${cell('tfjs')} | ${cell('jax-eager')} | ${cell('jax-jit')} | ${je && t ? f(je / t, 2) : 'n/a'} | ${jj && t ? f(jj / t, 2) : 'n/a'} |`,
    );
  }
  L.push('');
  L.push(
    'Correctness. Per output tensor: max|a-b| / max|ref|; the table gives the worst tensor. Gradient columns exclude d/d bk, whose exact value is 0 (reported separately). Loss: |a-b|/|ref|.',
  );
  L.push('');
  L.push(
    '| env / backend | case | engine | outputs vs tfjs-cpu | outputs vs tfjs same backend | loss | loss rel. vs float64 | loss rel. vs tfjs-cpu | max abs d/d bk |',
  );
  L.push('|---|---|---|---|---|---|---|---|---|');
  for (const r of all.results) {
    if (r.error) continue;
    for (const [k, v] of Object.entries(r.engines)) {
      if (!v.vsTfjsCpu) continue;
      const a = gradWorst(v.vsTfjsCpu),
        b = v.vsTfjsSameBackend ? gradWorst(v.vsTfjsSameBackend) : null;
      const loss = v.loss;
      const l64 =
        loss != null && all.bertLossFloat64 ? Math.abs(loss - all.bertLossFloat64) / all.bertLossFloat64 : null;
      const lcpu = loss != null && r.refLoss != null ? Math.abs(loss - r.refLoss) / Math.abs(r.refLoss) : null;
      const bk = v.bkMaxAbs;
      L.push(
        `| ${r.env} | ${r.case} | ${k} | ${e(a.rel)} (${a.name}) | ${b ? `${e(b.rel)} (${b.name})` : '-'} | ${loss != null ? loss.toPrecision(8) : '-'} | ${l64 != null ? e(l64) : '-'} | ${lcpu != null ? e(lcpu) : '-'} | ${bk != null ? e(bk) : '-'} |`,
      );
    }
  }
  const ref = all.results.find((r) => r.refLoss != null);
  if (ref)
    L.push(
      `\ntfjs-cpu loss ${ref.refLoss.toPrecision(10)}; independent plain-JS float64 forward: ${all.bertLossFloat64?.toPrecision(10)}.`,
    );
  L.push(
    '\nBackends actually used: ' +
      all.results
        .filter((r) => !r.error)
        .map(
          (r) => `${r.env} ${r.case}: tfjs ${r.tfBackend}, jax-js outputs on ${(r.jaxOutputDevices ?? []).join('/')}`,
        )
        .join('; ') +
      '.',
  );
  const leaks = all.results.filter((r) => r.jaxInputRefCounts && r.jaxInputRefCounts.some((c) => c !== 1));
  L.push(
    leaks.length
      ? `\njax-js input arrays with refCount != 1 after a case: ${leaks.map((r) => `${r.env} ${r.case}`).join(', ')}`
      : '\njax-js input arrays all had refCount 1 after every case (no leaked/over-consumed references).',
  );
  return L.join('\n') + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(summarize(JSON.parse(fs.readFileSync(process.argv[2] ?? 'results/results.json', 'utf8'))));
}
