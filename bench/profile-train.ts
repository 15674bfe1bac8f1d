/**
 * `npx tsx bench/profile-train.ts [--batch N] [--threads N]`: where a training step of the default-size MMER head spends its time
 * on tfjs-wasm in Node (the bench's case 2 step, profiled with `tf.profile`): kernel time summed by kernel name, and
 * the rate the matmul kernels reach (2·M·N·K per product from their input shapes). Run by hand; prints markdown.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initNodeEngine } from '../src/mmer/engine-node';
import { defaultMemoryBudget, planStep, stepShape } from '../src/mmer/memory-plan';
import { AdamW } from '../src/mmer/optimizer';
import { ParamStore } from '../src/mmer/params';
import { stepGrads } from '../src/mmer/step';
import { DEFAULT_LOSS, type LossParts } from '../src/mmer/trainer';
import { examples, FULL_SHAPE } from './cases/train';

/**
 * Multiply-adds x 2 of a (batch)matmul from its input shapes; 0 for anything else. The profile does not carry the
 * transpose flags, so they are read off the shapes: the shared dimension is the one both operands have.
 */
function matmulFlops(name: string, shapes: readonly (readonly number[])[]): number {
  if (!/MatMul/i.test(name)) return 0;
  const [a = [], b = []] = shapes;
  const [a1 = 0, a2 = 0, b1 = 0, b2 = 0] = [a.at(-2), a.at(-1), b.at(-2), b.at(-1)];
  const ta = a2 !== b1 && a2 !== b2 && a1 === b1;
  const tb = a2 !== b1 && a2 === b2;
  const m = ta ? a2 : a1;
  const k = ta ? a1 : a2;
  const n = tb ? b1 : b2;
  const batch = a.slice(0, -2).reduce((x, y) => x * y, 1);
  return 2 * batch * m * n * k;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--batch');
  const shape = { ...FULL_SHAPE, batch: i > 0 ? Number(process.argv[i + 1]) : FULL_SHAPE.batch };
  const t = process.argv.indexOf('--threads');
  tf.env().set('PROD', true);
  const engine = await initNodeEngine(['wasm', 'cpu'], { threads: t > 0 ? Number(process.argv[t + 1]) : 1 });
  const params = ParamStore.init(shape.config, 0);
  const opt = new AdamW(params, {});
  const batch = examples(shape);
  const budget = defaultMemoryBudget();
  const schedule =
    budget === null
      ? 'joint'
      : (planStep(shape.config, stepShape(batch, batch.length, DEFAULT_LOSS, 1), budget)?.schedule ?? 'sequential');
  const parts = new Map<keyof LossParts, tf.Scalar>();
  let seed = 0;
  const step = async (): Promise<void> => {
    const { value, grads } = stepGrads(params, shape.config, batch, DEFAULT_LOSS, seed++, parts, schedule);
    opt.accumulate(grads, 1);
    await opt.apply();
    await value.data();
    tf.dispose([...new Set([value, ...parts.values()])]);
    parts.clear();
  };
  await step();
  const t0 = performance.now();
  const info = await tf.profile(step);
  const wall = performance.now() - t0;
  const per = new Map<string, { ms: number; calls: number; flops: number }>();
  for (const k of info.kernels) {
    const ms = await Promise.resolve(k.kernelTimeMs);
    const row = per.get(k.name) ?? { ms: 0, calls: 0, flops: 0 };
    row.ms += typeof ms === 'number' ? ms : 0;
    row.calls += 1;
    row.flops += matmulFlops(k.name, k.inputShapes);
    per.set(k.name, row);
  }
  const total = [...per.values()].reduce((s, r) => s + r.ms, 0);
  console.log(
    `tfjs-${engine.backend} (${String(engine.threads)} thread(s)), batch ${String(shape.batch)}, schedule ${schedule}: step ${wall.toFixed(0)} ms under the profiler, kernels ${total.toFixed(0)} ms\n`,
  );
  console.log('| kernel | calls | ms | share | GFLOP/s |\n|---|---|---|---|---|');
  for (const [name, r] of [...per].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) {
    const rate = r.flops > 0 && r.ms > 0 ? (r.flops / (r.ms * 1e6)).toFixed(1) : '';
    console.log(
      `| ${name} | ${String(r.calls)} | ${r.ms.toFixed(0)} | ${((100 * r.ms) / total).toFixed(1)} % | ${rate} |`,
    );
  }
  opt.dispose();
  params.dispose();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
