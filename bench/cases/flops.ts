/**
 * Case 5, achieved GFLOP/s: the FLOPs of the graphs (counted on the graph itself, bench/lib/flops.ts), the time of a
 * bare wav2vec2 pass on a 10 s clip, and micro-benchmarks of the encoder's dominant operations on the same backend
 * (its widest matmul in fp32 and as the int8 graph spells it, and a feature-encoder conv), for onnxruntime-node and
 * for onnxruntime-web in a Chromium worker. Achieved / micro-benchmark says how close a pass comes to what the backend
 * does at best; the micro-benchmarks' own native / browser ratio says how much of the gap the kernels explain.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { normalise } from '../../src/audio/normalise';
import { splitWindows } from '../../src/audio/validate';
import { fillNoise, mulberry32 } from '../../src/core/rng';
import { initNodeEngine } from '../../src/mmer/engine-node';
import { measureMatmulRate, type MatmulRate } from '../../src/mmer/throughput';
import { rewriteConvsInModel } from '../lib/conv-matmul';
import { decode, graphOf } from '../../src/runtime/onnx-model';
import { nodeAdapter } from '../../src/runtime/ort-node';
import { editModel, type SurgeryPlan } from '../../src/runtime/surgery';
import type { Dtype } from '../../src/runtime/runtime-types';
import { DT, GraphBuilder } from '../../tools/fixtures/onnx-builder';
import { wav2vec2Frames } from '../../tools/fixtures/wav2vec2';
import type { BenchPage } from '../browser/page';
import { RATE, speechClip } from '../lib/audio';
import { countFlops, type FlopCount } from '../lib/flops';
import { callBench, startHarness } from '../lib/harness';
import { TMP, type ModelSet } from '../lib/models';
import { summarise, type RepeatPlan, type Timing } from '../lib/stats';
import { timeGraph, type GraphInput, type GraphTiming } from '../lib/time-graph';

/** Port of this case's server (4173: e2e suite, 4190: inference, 4191: load). */
export const FLOPS_PORT = 4192;
/** Clip of the timed pass, as the issue asks. */
const CLIP_SECONDS = 10;
/** RoBERTa input length counted: the training case's transcript length. */
const TOKENS = 24;
/** Micro-benchmarks take tens of ms a run: enough runs for a stable median, well within a minute per backend. */
const MICRO_PLAN: RepeatPlan = { warmup: 2, repeats: 10 };

/** The FLOPs of one graph at one input size (a clip longer than 20 s: both windows' passes). */
export interface CountRow {
  readonly model: 'wav2vec2' | 'roberta';
  readonly dtype: Dtype;
  /** Seconds of audio or tokens. */
  readonly size: number;
  readonly unit: 's' | 'tokens';
  readonly count: FlopCount;
}

/** A timed graph: a micro-benchmark, or the wav2vec2 pass (`what` = "encoder pass"). */
export interface TimedRow {
  /** The adapter's description, e.g. "onnxruntime-node (cpu, 2 threads)". */
  readonly runtime: string;
  readonly what: string;
  readonly dtype: 'fp32' | 'int8';
  /** Dense float and integer ops of one run. */
  readonly denseFloat: number;
  readonly denseInt: number;
  readonly timing: Timing;
  /** Dense ops / median time. */
  readonly gflops: number;
  /** Dense ops / fastest run: for a micro-benchmark, the backend's peak (a shared machine only ever slows a run). */
  readonly bestGflops: number;
  /**
   * Encoder passes: the time the runtime's own matmul micro-benchmarks would need for the pass's dense work at their
   * best rates (float at the fp32 one, integer at the int8 one) over the pass's median time. Null for micro-benchmarks.
   */
  readonly peakShare: number | null;
}

/** What the case adds to the results file. */
export interface FlopsResult {
  readonly threads: number;
  readonly clipSeconds: number;
  readonly tokens: number;
  readonly counts: readonly CountRow[];
  readonly timed: readonly TimedRow[];
  /** tfjs-wasm in Node (the training engine), square products: `measureMatmulRate`. */
  readonly tfjs: readonly MatmulRate[];
}

/** Frames of the timed clip: the row count of the encoder's linear layers. */
const FRAMES = wav2vec2Frames(CLIP_SECONDS * RATE);

interface Graph {
  readonly what: string;
  readonly dtype: 'fp32' | 'int8';
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly input: GraphInput;
}

const noise = (n: number, seed: number): Float32Array => fillNoise(new Float32Array(n), mulberry32(seed), 1);

/** The micro-benchmark graphs, built like the fixtures' own layers (same builder, same int8 spelling). */
function microGraphs(): Graph[] {
  const linear = (quantize: boolean): Graph => {
    const b = new GraphBuilder(0x5eed0005, { quantize });
    b.renameOutput(b.linear('/bench/', 'x', 'bench.fc', 768, 3072, false), 'y');
    const dims = [1, FRAMES, 768];
    const bytes = b.toBytes(
      'matmul',
      [{ name: 'x', elemType: DT.FLOAT, dims }],
      [{ name: 'y', elemType: DT.FLOAT, dims: [1, FRAMES, 3072] }],
    );
    const what = `matmul [${FRAMES}x768]x[768x3072]${quantize ? ' (DynamicQuantizeLinear + MatMulInteger)' : ''}`;
    return {
      what,
      dtype: quantize ? 'int8' : 'fp32',
      key: `matmul-${quantize ? 'int8' : 'fp32'}`,
      bytes,
      input: { name: 'x', data: noise(FRAMES * 768, 1), dims },
    };
  };
  // Feature-encoder layer 4 at 10 s: 512 -> 512 channels, kernel 3, stride 2, 3999 -> 1999 positions.
  const b = new GraphBuilder(0x5eed0006);
  const w = b.param('conv.weight', [512, 512, 3], 0.03);
  b.renameOutput(
    b.node('/bench/', 'Conv', ['x', w], { dilations: [1], group: 1, kernel_shape: [3], pads: [0, 0], strides: [2] }),
    'y',
  );
  const dims = [1, 512, 3999];
  const conv: Graph = {
    what: 'conv 512->512, k3 s2, 3999 positions',
    dtype: 'fp32',
    key: 'conv-fp32',
    bytes: b.toBytes(
      'conv',
      [{ name: 'x', elemType: DT.FLOAT, dims }],
      [{ name: 'y', elemType: DT.FLOAT, dims: [1, 512, 1999] }],
    ),
    input: { name: 'x', data: noise(512 * 3999, 2), dims },
  };
  // The same conv as the app's graph surgery spells it: strided slices + one MatMul.
  const asMatMul: Graph = {
    ...conv,
    what: `${conv.what}, as slices + MatMul (experiment)`,
    key: 'conv-im2col-fp32',
    bytes: rewriteConvsInModel(conv.bytes).bytes,
  };
  return [linear(false), linear(true), conv, asMatMul];
}

/** The surgery plan the bench manifest gives `role`'s model in `pair`: the graph the pipeline runs. */
function planOf(manifestPath: string, pair: string, role: 'audio' | 'text'): SurgeryPlan | undefined {
  const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    models: { id: string; surgery?: SurgeryPlan }[];
    pairs: Record<string, Record<string, string>>;
  };
  const id = m.pairs[pair]?.[role];
  return m.models.find((e) => e.id === id)?.surgery;
}

/** A graph file as the pipeline runs it: edited by the manifest's surgery plan where it has one. */
function runGraph(bytes: Uint8Array, plan: SurgeryPlan | undefined): Uint8Array {
  return plan === undefined ? bytes : editModel(bytes, plan);
}

const add = (a: FlopCount, b: FlopCount): FlopCount => ({
  denseFloat: a.denseFloat + b.denseFloat,
  denseInt: a.denseInt + b.denseInt,
  elementwise: a.elementwise + b.elementwise,
  byKind: Object.fromEntries(
    [...new Set([...Object.keys(a.byKind), ...Object.keys(b.byKind)])].map((k) => [
      k,
      (a.byKind[k] ?? 0) + (b.byKind[k] ?? 0),
    ]),
  ),
});

/** A timed row from raw samples; encoder passes are set against the runtime's matmul micro-benchmarks in `rows`. */
function row(t: GraphTiming, what: string, dtype: 'fp32' | 'int8', c: FlopCount, rows: readonly TimedRow[]): TimedRow {
  const timing = summarise(t.samples);
  const dense = c.denseFloat + c.denseInt;
  const peak = (d: 'fp32' | 'int8'): number | undefined =>
    rows.find((r) => r.runtime === t.adapter && r.dtype === d && r.what.startsWith('matmul'))?.bestGflops;
  const msAt = (flops: number, gflops: number | undefined): number | null =>
    flops === 0 ? 0 : gflops === undefined ? null : flops / (gflops * 1e6);
  const [float, int] = [msAt(c.denseFloat, peak('fp32')), msAt(c.denseInt, peak('int8'))];
  const peakShare = what === 'encoder pass' && float !== null && int !== null ? (float + int) / timing.median : null;
  return {
    runtime: t.adapter,
    what,
    dtype,
    denseFloat: c.denseFloat,
    denseInt: c.denseInt,
    timing,
    gflops: dense / (timing.median * 1e6),
    bestGflops: dense / (timing.min * 1e6),
    peakShare,
  };
}

/** Runs the case: counts, then native, tfjs and browser timings, one after another. */
export async function runFlops(
  manifestPath: string,
  sets: readonly ModelSet[],
  lengths: readonly number[],
  plan: RepeatPlan,
  threads: number,
  log: (line: string) => void,
): Promise<{ result: FlopsResult; notes: string[] }> {
  const counts: CountRow[] = [];
  const timed: TimedRow[] = [];
  const notes: string[] = [];
  const dir = join(TMP, 'flops');
  mkdirSync(dir, { recursive: true });
  const micro = microGraphs().map((g) => ({ ...g, count: countFlops(decode(g.bytes), {}) }));
  const pcm = normalise(speechClip(CLIP_SECONDS));
  const clipFile = join(dir, `speech-${CLIP_SECONDS}s-normalised.f32`);
  writeFileSync(clipFile, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  const native = nodeAdapter(threads);
  for (const g of micro) {
    timed.push(row(await timeGraph(native, g.bytes, g.input, MICRO_PLAN), g.what, g.dtype, g.count, timed));
    writeFileSync(join(dir, `${g.key}.onnx`), g.bytes);
    writeFileSync(join(dir, `${g.key}.f32`), new Uint8Array(g.input.data.buffer));
  }
  log(`flops native micro: ${timed.map((r) => `${r.what} ${r.dtype} ${r.gflops.toFixed(1)} GFLOP/s`).join('; ')}`);
  const passes: { set: ModelSet; path: string; input: string; count: FlopCount }[] = [];
  // Rates are fp32 or int8 ones: an fp16 graph (fp16 weights, arithmetic in fp16 or behind Casts) has neither.
  for (const set of sets.filter((s) => s.dtype !== 'fp16')) {
    const audioPlan = planOf(manifestPath, set.pair, 'audio');
    // The graph the pipeline runs (surgery applied: hidden-state output, convolutions as MatMul) is counted and timed.
    const bytes = runGraph(readFileSync(join(set.wav2vec2Dir, 'onnx', set.wav2vec2File)), audioPlan);
    const path = join(dir, `${set.pair}-wav2vec2-edited.onnx`);
    writeFileSync(path, bytes);
    const model = decode(bytes);
    const input = graphOf(model).input?.[0]?.name ?? 'input_values';
    const at = (samples: number): FlopCount => countFlops(model, { batch_size: 1, sequence_length: samples });
    for (const s of lengths) {
      const windows = splitWindows(new Float32Array(Math.round(s * RATE)), RATE).map((w) => at(w.length));
      const [first, ...rest] = windows;
      if (first !== undefined)
        counts.push({ model: 'wav2vec2', dtype: set.dtype, size: s, unit: 's', count: rest.reduce(add, first) });
    }
    const count = at(pcm.length);
    const dtype = set.dtype === 'q8' ? 'int8' : 'fp32';
    const t = await timeGraph(native, bytes, { name: input, data: pcm, dims: [1, pcm.length] }, plan);
    timed.push(row(t, 'encoder pass', dtype, count, timed));
    passes.push({ set, path, input, count });
    log(
      `flops native ${set.dtype}: ${((count.denseFloat + count.denseInt) / 1e9).toFixed(1)} GFLOP in ${summarise(t.samples).median.toFixed(0)} ms`,
    );
    const text = decode(
      runGraph(readFileSync(join(set.robertaDir, 'onnx', set.robertaFile)), planOf(manifestPath, set.pair, 'text')),
    );
    counts.push({
      model: 'roberta',
      dtype: set.dtype,
      size: TOKENS,
      unit: 'tokens',
      count: countFlops(text, { batch_size: 1, sequence_length: TOKENS }),
    });
  }

  tf.env().set('PROD', true);
  const engine = await initNodeEngine(['wasm', 'cpu']);
  const tfjs: MatmulRate[] = [];
  for (const size of [512, 768]) tfjs.push(await measureMatmulRate({ size, budgetMs: 1000 }));
  log(`flops tfjs-${engine.backend}: ${tfjs.map((r) => `${r.size}: ${r.gflops.toFixed(1)} GFLOP/s`).join(', ')}`);

  log('flops browser: building the bench page with the app config');
  const h = await startHarness({ port: FLOPS_PORT, name: 'flops' });
  try {
    const page = await h.openPage(log);
    const isolated = await page.evaluate(() => (window as unknown as { bench: BenchPage }).bench.isolated);
    notes.push(
      `flops: browser page crossOriginIsolated=${isolated}; onnxruntime-web sessions as webAdapter('wasm-mt') makes them, ${threads} threads, one worker per graph`,
    );
    const fromPage = (
      modelPath: string,
      inputPath: string,
      input: Pick<GraphInput, 'name' | 'dims'>,
      p: RepeatPlan,
    ): Promise<GraphTiming> =>
      callBench(page, 'timeGraph', h.url(modelPath), h.url(inputPath), input.name, input.dims, threads, p);
    for (const g of micro) {
      timed.push(
        row(
          await fromPage(join(dir, `${g.key}.onnx`), join(dir, `${g.key}.f32`), g.input, MICRO_PLAN),
          g.what,
          g.dtype,
          g.count,
          timed,
        ),
      );
    }
    log(
      `flops browser micro: ${timed
        .slice(-micro.length)
        .map((r) => `${r.what} ${r.dtype} ${r.gflops.toFixed(1)} GFLOP/s`)
        .join('; ')}`,
    );
    for (const p of passes) {
      const t = await fromPage(p.path, clipFile, { name: p.input, dims: [1, pcm.length] }, plan);
      timed.push(row(t, 'encoder pass', p.set.dtype === 'q8' ? 'int8' : 'fp32', p.count, timed));
      log(
        `flops browser ${p.set.dtype}: ${summarise(t.samples).median.toFixed(0)} ms (session ${(t.loadMs / 1000).toFixed(1)} s)`,
      );
    }
    await page.close();
  } finally {
    await h.close();
  }
  return { result: { threads, clipSeconds: CLIP_SECONDS, tokens: TOKENS, counts, timed, tfjs }, notes };
}
