/**
 * Case 2: one training step of the MMER head on cached random features (batch 8, 5 s clips = 250 audio frames,
 * default dimensions), ours (tfjs-wasm in Node, as `npm run mmer -- train` runs) against the same head in PyTorch on
 * CPU (bench/torch_head.py). A step is the trainer's own: forward of both views, the full multitask loss, gradients,
 * AdamW with clipping, and the loss read back.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '../../src/core/rng';
import { DEFAULT_CONFIG, type MmerConfig } from '../../src/mmer/config';
import { initNodeEngine } from '../../src/mmer/engine-node';
import { AdamW } from '../../src/mmer/optimizer';
import { defaultMemoryBudget, planStep, stepShape } from '../../src/mmer/memory-plan';
import { ParamStore } from '../../src/mmer/params';
import { stepGrads } from '../../src/mmer/step';
import { DEFAULT_LOSS, type LossParts, type TrainExample } from '../../src/mmer/trainer';
import { ownMemory, resetOwnPeak, type MemoryRow } from '../lib/memory';
import { REPO } from '../lib/models';
import { measure, summarise, type RepeatPlan, type Timing } from '../lib/stats';

/** Shapes of one training batch. */
export interface TrainShape {
  readonly batch: number;
  readonly frames: number;
  readonly tokens: number;
  /** CTC target length per clip (characters of a 5 s transcript). */
  readonly target: number;
  readonly config: MmerConfig;
}

/** The issue's case: batch 8, 5 s clips (250 wav2vec2 frames at 20 ms), ~24 RoBERTa tokens, default dims. */
export const FULL_SHAPE: TrainShape = { batch: 8, frames: 250, tokens: 24, target: 60, config: DEFAULT_CONFIG };
/** `--quick`: the same step at toy sizes, only to check the harness. */
export const QUICK_SHAPE: TrainShape = {
  batch: 4,
  frames: 20,
  tokens: 6,
  target: 5,
  config: { ...DEFAULT_CONFIG, audioDim: 32, textDim: 32, hidden: 32, heads: 2, ffn: 64 },
};

/** Result of the training case. */
export interface TrainResult {
  readonly shape: Omit<TrainShape, 'config'> & {
    readonly hidden: number;
    readonly heads: number;
    readonly ffn: number;
    readonly feat: number;
  };
  readonly ours: { readonly backend: string; readonly step: Timing };
  readonly torch: { readonly step: Timing; readonly setup: Record<string, unknown> } | { readonly error: string };
  /** Case 3: each engine's process memory around the steps. */
  readonly memory: readonly MemoryRow[];
  /** The step's dominant product ([batch·frames × hidden]·[hidden × ffn]) alone on ours, at its best of 5 runs. */
  readonly oursMatmul: MatmulRate;
}

/** One timed product: its shape, best time and rate. */
export interface MatmulRate {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly bestMs: number;
  readonly gflops: number;
}

/** The FFN product of the step on the current tfjs backend (PyTorch times the same one in torch_head.py). */
function timeDominantMatmul(shape: TrainShape): MatmulRate {
  const [m, k, n] = [shape.batch * shape.frames, shape.config.hidden, shape.config.ffn];
  const [x, w] = [tf.randomNormal([m, k]), tf.randomNormal([k, n])];
  let best = Infinity;
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const y = tf.matMul(x, w);
    y.dataSync();
    if (i >= 2) best = Math.min(best, performance.now() - t0);
    y.dispose();
  }
  tf.dispose([x, w]);
  return { m, k, n, bestMs: best, gflops: (2 * m * k * n) / (best * 1e6) };
}

/** Deterministic normal-ish noise (sum of three uniforms), so runs see identical features without a seeded tf op. */
function noise(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => 2 * (rand() + rand() + rand() - 1.5));
}

/** A deterministic batch of cached random features with CTC targets and augmented views. */
export function examples(shape: TrainShape): TrainExample[] {
  const { batch, frames, tokens, target, config } = shape;
  const view = (b: number, v: number) => ({
    audio: { rows: frames, dim: config.audioDim, data: noise(frames * config.audioDim, 1000 * b + v) },
    text: { rows: tokens, dim: config.textDim, data: noise(tokens * config.textDim, 5000 + 1000 * b + v) },
  });
  return Array.from({ length: batch }, (_, b) => ({
    ...view(b, 0),
    label: b % config.labels.length,
    ctcTarget: Array.from({ length: target }, (_, i) => 1 + ((b * 7 + i * 13) % 31)),
    augmented: view(b, 1),
  }));
}

/** Ours: the trainer's step, timed over `plan`. */
async function oursStep(
  shape: TrainShape,
  plan: RepeatPlan,
  threads: number,
): Promise<{ backend: string; step: Timing; memory: MemoryRow; matmul: MatmulRate }> {
  // Quiets tfjs' "install tfjs-node" banner: the CLI trains on tfjs-wasm too, which is what is measured.
  tf.env().set('PROD', true);
  const engine = await initNodeEngine(['wasm', 'cpu'], { threads });
  // Named only when above one: the peer multiplies on one thread, so a second one is said where it is used.
  const backend = `tfjs-${engine.backend}${engine.threads > 1 ? `, ${String(engine.threads)} threads` : ''}`;
  const params = ParamStore.init(shape.config, 0);
  const opt = new AdamW(params, {});
  const batch = examples(shape);
  // The peak is this process's, which also holds whatever ran before: it is reset here, and the table shows the
  // resident size at this point next to it.
  const before = resetOwnPeak() ? ownMemory().current : null;
  const parts = new Map<keyof LossParts, tf.Scalar>();
  // The schedule fit() would pick: both views at once where the batch fits the wasm heap that way.
  const budget = defaultMemoryBudget();
  const schedule =
    budget === null
      ? 'joint'
      : (planStep(shape.config, stepShape(batch, batch.length, DEFAULT_LOSS, 1), budget)?.schedule ?? 'sequential');
  let seed = 0;
  try {
    const step = await measure(async () => {
      const { value, grads } = stepGrads(params, shape.config, batch, DEFAULT_LOSS, seed++, parts, schedule);
      opt.accumulate(grads, 1);
      await opt.apply();
      // The trainer reads every loss component back each step; so does the PyTorch peer (loss.item()).
      await value.data();
      for (const t of parts.values()) await t.data();
      // Without auxiliary terms the total is the CE tensor itself: dispose each tensor once.
      tf.dispose([...new Set([value, ...parts.values()])]);
      parts.clear();
      return undefined;
    }, plan);
    const mb = (b: number | null): number | null => (b === null ? null : Math.round(b / 2 ** 20));
    const memory: MemoryRow = {
      runtime: `ours (${backend}, Node)`,
      dtype: 'fp32',
      what: `training step, batch ${String(shape.batch)} (process RSS)`,
      baselineMB: mb(before),
      afterLoadMB: null,
      afterRunsMB: null,
      peakMB: before === null ? null : mb(ownMemory().peak),
    };
    return { backend, step, memory, matmul: timeDominantMatmul(shape) };
  } finally {
    opt.dispose();
    params.dispose();
  }
}

async function torchStep(shape: TrainShape, plan: RepeatPlan): Promise<TrainResult['torch']> {
  const c = shape.config;
  const args = [
    join(REPO, 'bench', 'torch_head.py'),
    '--batch',
    shape.batch,
    '--frames',
    shape.frames,
    '--tokens',
    shape.tokens,
    '--target',
    shape.target,
    '--hidden',
    c.hidden,
    '--heads',
    c.heads,
    '--ffn',
    c.ffn,
    '--feat',
    c.audioDim,
    '--labels',
    c.labels.length,
    '--warmup',
    plan.warmup,
    '--repeats',
    plan.repeats,
  ].map(String);
  try {
    // One OpenBLAS thread: torch's own two threads on top of OpenBLAS threads would oversubscribe the two cores.
    const { stdout } = await promisify(execFile)('/usr/bin/python3', args, {
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
      maxBuffer: 1 << 20,
    });
    const out = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { samples: number[] } & Record<string, unknown>;
    const { samples, ...setup } = out;
    return { step: summarise(samples), setup };
  } catch (err) {
    return { error: err instanceof Error ? err.message.split('\n').slice(0, 3).join(' ') : String(err) };
  }
}

/** Runs case 2: ours first, then PyTorch (never both at once: they would share the two cores). */
export async function runTrain(
  quick: boolean,
  plan: RepeatPlan,
  log: (line: string) => void,
  batch?: number,
  threads = 1,
): Promise<TrainResult> {
  const base = quick ? QUICK_SHAPE : FULL_SHAPE;
  const shape = batch === undefined ? base : { ...base, batch };
  const ours = await oursStep(shape, plan, threads);
  log(`train ours (${ours.backend}): ${ours.step.median.toFixed(0)} ms/step`);
  const torch = await torchStep(shape, plan);
  log('error' in torch ? `train torch failed: ${torch.error}` : `train torch: ${torch.step.median.toFixed(0)} ms/step`);
  const { config, ...dims } = shape;
  const memory = [ours.memory];
  if (!('error' in torch)) {
    const n = (v: unknown): number | null => (typeof v === 'number' ? v : null);
    memory.push({
      runtime: 'PyTorch CPU',
      dtype: 'fp32',
      what: `training step, batch ${String(shape.batch)} (process RSS)`,
      baselineMB: n(torch.setup.rssBeforeMB),
      afterLoadMB: null,
      afterRunsMB: null,
      peakMB: n(torch.setup.peakRssMB),
    });
  }
  return {
    shape: { ...dims, hidden: config.hidden, heads: config.heads, ffn: config.ffn, feat: config.audioDim },
    ours: { backend: ours.backend, step: ours.step },
    torch,
    memory,
    oursMatmul: ours.matmul,
  };
}
