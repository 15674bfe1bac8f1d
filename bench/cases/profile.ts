/**
 * Where the browser's time goes (issue 6's "profile that shows where the time goes"): the bare wav2vec2 graph on a
 * 10 s clip, in onnxruntime-web under several configurations (the WASM-only build the app runs on WASM vs the Asyncify
 * build it runs on WebGPU, 1 vs 2 threads, graph optimisation level) next to onnxruntime-node, and onnxruntime's own
 * profiler on both sides summed per operator type. Same graph files, same input, same thread count; one configuration
 * at a time. One more row per runtime times the experiment of bench/lib/conv-matmul.ts (1-D convolutions spelled as
 * slices + MatMul), which the app does not apply because it does not pay.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { VariantConfig } from '../browser/ort-variant.worker';
import { rewriteConvsInModel } from '../lib/conv-matmul';
import { speechClip } from '../lib/audio';
import { callBench, startHarness } from '../lib/harness';
import { TMP, type ModelSet } from '../lib/models';
import { kernelTimes, parseLines } from '../lib/ort-profile';
import { summarise, type RepeatPlan, type Timing } from '../lib/stats';

/** Label of the rows on the conv-as-MatMul experiment's graph. */
const AS_MATMUL = ', convs as MatMul (experiment)';

/** Port of the profile case's server. */
const PORT = 4193;

/** One configuration's timing. */
export interface ProfileRow {
  readonly runtime: string;
  readonly dtype: string;
  readonly config: string;
  readonly loadMs: number;
  readonly pass: Timing;
}

/** Kernel time per operator type and pass (ms), native next to web. */
export interface OpRow {
  readonly dtype: string;
  readonly op: string;
  readonly nativeMs: number;
  readonly webMs: number;
}

/** What the profile case gives back. */
export interface ProfileResult {
  readonly seconds: number;
  readonly rows: ProfileRow[];
  readonly ops: OpRow[];
}

const CONFIGS: readonly (VariantConfig & { readonly label: string })[] = [
  {
    label: 'WASM-only build (the app on WASM), 2 threads, opt all',
    build: 'plain',
    threads: 2,
    optimization: 'all',
    profile: false,
  },
  {
    label: 'Asyncify build (the app on WebGPU), 2 threads, opt all',
    build: 'asyncify',
    threads: 2,
    optimization: 'all',
    profile: false,
  },
  { label: 'WASM-only build, 1 thread, opt all', build: 'plain', threads: 1, optimization: 'all', profile: false },
  { label: 'WASM-only build, 2 threads, opt basic', build: 'plain', threads: 2, optimization: 'basic', profile: false },
];

async function nativeRuns(
  model: string,
  pcm: Float32Array,
  threads: number,
  plan: RepeatPlan,
  profile: boolean,
): Promise<{ loadMs: number; pass: Timing; events: unknown[] }> {
  const prefix = join(TMP, `ort-profile-${String(process.pid)}`);
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    enableProfiling: profile,
    profileFilePrefix: prefix,
  });
  const loadMs = performance.now() - t0;
  const samples: number[] = [];
  for (let i = 0; i < plan.warmup + plan.repeats; i++) {
    const x = new ort.Tensor('float32', pcm, [1, pcm.length]);
    const s = performance.now();
    await session.run({ input_values: x });
    if (i >= plan.warmup) samples.push(performance.now() - s);
  }
  let events: unknown[] = [];
  if (profile) {
    session.endProfiling();
    const file = readdirSync(TMP).find((f) => f.startsWith(`ort-profile-${String(process.pid)}`));
    if (file !== undefined) {
      events = JSON.parse(readFileSync(join(TMP, file), 'utf8')) as unknown[];
      rmSync(join(TMP, file));
    }
  }
  await session.release();
  return { loadMs, pass: summarise(samples), events };
}

/** Runs the profile case on the wav2vec2 graph of every model set, `seconds` of speech. */
export async function runProfile(
  sets: readonly ModelSet[],
  plan: RepeatPlan,
  log: (line: string) => void,
  seconds = 10,
): Promise<ProfileResult> {
  const pcm = speechClip(seconds);
  const inputFile = join(TMP, `speech-${String(seconds)}s.f32`);
  writeFileSync(inputFile, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  const result: ProfileResult = { seconds, rows: [], ops: [] };
  const p = { warmup: plan.warmup, repeats: Math.min(plan.repeats, 3) };
  // Profiled passes run apart from the timed ones: the profiler's own cost must not enter the timings.
  const profiled = { warmup: 1, repeats: 2 };
  log('profile: building the bench page with the app config');
  const h = await startHarness({ port: PORT, name: 'profile' });
  try {
    for (const set of sets) {
      const model = join(set.wav2vec2Dir, 'onnx', set.wav2vec2File);
      const convsAsMatMul = join(TMP, `profile-${set.pair}-convs-as-matmul.onnx`);
      writeFileSync(convsAsMatMul, rewriteConvsInModel(readFileSync(model)).bytes);
      for (const [threads, file, label] of [
        [2, model, ''],
        [1, model, ''],
        [2, convsAsMatMul, AS_MATMUL],
      ] as const) {
        const n = await nativeRuns(file, pcm, threads, p, false);
        result.rows.push({
          runtime: 'onnxruntime-node',
          dtype: set.dtype,
          config: `${String(threads)} thread(s), opt all${label}`,
          loadMs: n.loadMs,
          pass: n.pass,
        });
        log(`profile native ${set.dtype} ${String(threads)} threads${label}: ${n.pass.median.toFixed(0)} ms`);
      }
      const page = await h.openPage(log);
      const first = CONFIGS[0] ?? { label: '', build: 'plain', threads: 2, optimization: 'all', profile: false };
      for (const [c, file] of [
        ...CONFIGS.map((c) => [c, model] as const),
        [{ ...first, label: `${first.label}${AS_MATMUL}` }, convsAsMatMul] as const,
      ]) {
        const r = await callBench(
          page,
          'timeVariant',
          c,
          h.url(file),
          h.url(inputFile),
          'input_values',
          [1, pcm.length],
          p,
        );
        result.rows.push({
          runtime: 'onnxruntime-web in a worker',
          dtype: set.dtype,
          config: c.label,
          loadMs: r.loadMs,
          pass: summarise(r.samples),
        });
        log(`profile web ${set.dtype} ${c.label}: ${summarise(r.samples).median.toFixed(0)} ms`);
      }
      const web = await callBench(
        page,
        'timeVariant',
        { ...first, profile: true },
        h.url(model),
        h.url(inputFile),
        'input_values',
        [1, pcm.length],
        profiled,
      );
      await page.close();
      const native = await nativeRuns(model, pcm, 2, profiled, true);
      rmSync(convsAsMatMul);
      const passes = profiled.warmup + profiled.repeats;
      const w = kernelTimes(parseLines(web.profile), passes);
      const nat = kernelTimes(native.events, passes);
      if (w.size === 0) log(`profile: no web profiler events parsed (${String(web.profile.length)} lines captured)`);
      for (const op of [...new Set([...nat.keys(), ...w.keys()])]) {
        result.ops.push({ dtype: set.dtype, op, nativeMs: nat.get(op) ?? 0, webMs: w.get(op) ?? 0 });
      }
    }
  } finally {
    await h.close();
  }
  return result;
}
