/**
 * Case 1 in headless Chromium: the app's ML worker (built by Vite exactly as the app is) and the transformers.js ASR
 * pipeline, on the same graphs and clips, driven through Playwright (bench/lib/harness.ts). Ours runs on multithreaded
 * WASM, and on WebGPU for the short clips (SwiftShader here: software, labelled so). Case 3 rides along: the browser's
 * memory (summed PSS of its processes) is sampled while each runtime loads and runs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright';
import type { Backend } from '../../src/runtime/runtime-types';
import type { BenchPage } from '../browser/page';
import { speechClip } from '../lib/audio';
import { callBench, startHarness } from '../lib/harness';
import { TreeSampler, type MemoryRow } from '../lib/memory';
import { prepareTransformersJsModel, TMP, type ModelSet } from '../lib/models';
import { measure, summarise, type RepeatPlan } from '../lib/stats';
import type { InferenceRow } from './native';

/** Port of the inference case's server (the e2e suite owns 4173). */
export const BENCH_PORT = 4190;

/** What the browser case gives back. */
export interface BrowserResult {
  readonly rows: InferenceRow[];
  readonly memory: MemoryRow[];
  readonly notes: string[];
}

const MB = 2 ** 20;

/** Runs ours (wasm-mt, and WebGPU on `webgpuLengths`) and transformers.js for every model set and clip length. */
export async function runBrowser(
  manifestPath: string,
  sets: readonly ModelSet[],
  lengths: readonly number[],
  plan: RepeatPlan,
  log: (line: string) => void,
  webgpuLengths: readonly number[] = [1],
): Promise<BrowserResult> {
  log('browser: building the bench page with the app config');
  const h = await startHarness({ port: BENCH_PORT, name: 'inference' });
  const url = h.url;
  const audio = new Map(
    [...new Set([...lengths, ...webgpuLengths])].map((s) => {
      const file = join(TMP, `speech-${String(s)}s.f32`);
      const pcm = speechClip(s);
      writeFileSync(file, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
      return [s, url(file)] as const;
    }),
  );
  // Chromium's processes (browser, renderers, GPU, utility) are children of this Node process; read between runs only.
  const sampler = new TreeSampler((comm) => /chrom/i.test(comm));
  const result: BrowserResult = { rows: [], memory: [], notes: [] };

  /** Times ours on one backend over `secs`; records the memory of the page from before its load to its last run. */
  const runOurs = async (set: ModelSet, backend: Backend, secs: readonly number[], p: RepeatPlan): Promise<void> => {
    const baseline = sampler.reset();
    const page = await h.openPage(log);
    const isolated = await page.evaluate(() => (window as unknown as { bench: BenchPage }).bench.isolated);
    const description = await callBench(page, 'initOurs', set.pair, url(manifestPath), backend);
    const afterLoad = sampler.sample();
    const loadPeak = sampler.pagePeak();
    // From here the peak is the runs' own: where the load's peak came from is not mixed into the clips'.
    const phased = sampler.resetPagePeak();
    result.notes.push(`ours ${set.dtype} ${backend}: ${description}; crossOriginIsolated=${String(isolated)}`);
    log(`browser ours ${set.dtype}: ${description}`);
    const software = /swiftshader|llvmpipe|software/i.test(description) ? 'software WebGPU (SwiftShader)' : '';
    const runtime = `ours: app worker, onnxruntime-web ${software || (description.split(' (')[0] ?? '')}`;
    for (const seconds of secs) {
      const src = audio.get(seconds) ?? '';
      let chars = 0;
      let withoutEmotion = 0;
      const audioMs: number[] = [];
      const headMs: number[] = [];
      // One set of repeats gives every figure: the worker's stage times and the page's time for the whole call.
      const full = await measure(async () => {
        const r = await callBench(page, 'analyseOurs', src);
        audioMs.push(r.audioMs);
        if (r.headMs !== null) headMs.push(r.headMs);
        if (!r.emotion) withoutEmotion++;
        chars = r.transcriptChars;
        return r.wallMs;
      }, p);
      if (withoutEmotion > 0) throw new Error(`ours ${set.pair}: no emotion scores (the bench head did not load)`);
      const asr = summarise(audioMs.slice(p.warmup));
      const head = summarise(headMs.slice(p.warmup));
      result.rows.push({ runtime, dtype: set.dtype, seconds, asr, full, head, transcriptChars: chars });
      log(
        `browser ours ${set.dtype} ${backend} ${String(seconds)} s: asr ${asr.median.toFixed(0)} ms, head ${head.median.toFixed(0)} ms, full ${full.median.toFixed(0)} ms`,
      );
    }
    const runsPeak = sampler.pagePeak();
    result.memory.push({
      ...memoryRow(runtime, set.dtype, baseline, afterLoad, sampler.sample(), Math.max(loadPeak, runsPeak)),
      ...(phased ? { phasePeakMB: { load: Math.round(loadPeak / MB), runs: Math.round(runsPeak / MB) } } : {}),
    });
    await closed(page);
  };

  const runTjs = async (set: ModelSet): Promise<void> => {
    const baseline = sampler.reset();
    const page = await h.openPage(log);
    const model = prepareTransformersJsModel(set);
    const loadMs = await callBench(page, 'initTjs', `${new URL(url(join(TMP, 'tjs'))).pathname}/`, model, set.dtype, 2);
    const afterLoad = sampler.sample();
    const loadPeak = sampler.pagePeak();
    const phased = sampler.resetPagePeak();
    const runtime = 'transformers.js ASR pipeline (wasm, 2 threads)';
    result.notes.push(
      `transformers.js ${set.dtype}: pipeline loaded in ${(loadMs / 1000).toFixed(1)} s (wasm, 2 threads)`,
    );
    for (const seconds of lengths) {
      const src = audio.get(seconds) ?? '';
      let chars = 0;
      const asr = await measure(async () => {
        const r = await callBench(page, 'runTjs', src);
        chars = r.chars;
        return r.ms;
      }, plan);
      result.rows.push({ runtime, dtype: set.dtype, seconds, asr, full: null, head: null, transcriptChars: chars });
      log(`browser transformers.js ${set.dtype} ${String(seconds)} s: ${asr.median.toFixed(0)} ms`);
    }
    const runsPeak = sampler.pagePeak();
    result.memory.push({
      ...memoryRow(runtime, set.dtype, baseline, afterLoad, sampler.sample(), Math.max(loadPeak, runsPeak)),
      ...(phased ? { phasePeakMB: { load: Math.round(loadPeak / MB), runs: Math.round(runsPeak / MB) } } : {}),
    });
    await closed(page);
  };

  try {
    for (const set of sets) {
      await runOurs(set, 'wasm-mt', lengths, plan);
      await runTjs(set);
    }
    // Software WebGPU runs a 1 s clip in tens of seconds: short clips, fp32 only (int8 MatMulInteger has no WebGPU
    // kernel in onnxruntime-web, so a q8 row would time the CPU fallback), fewer repeats.
    const fp32 = sets.find((s) => s.dtype === 'fp32');
    if (fp32 !== undefined && webgpuLengths.length > 0) {
      await runOurs(fp32, 'webgpu', webgpuLengths, { warmup: 1, repeats: Math.min(plan.repeats, 2) });
    }
  } finally {
    await h.close();
  }
  return result;
}

/** Closes a page and gives its renderer time to exit, so the next runtime's baseline does not count it. */
async function closed(page: Page): Promise<void> {
  await page.close();
  await new Promise((ok) => setTimeout(ok, 2000));
}

function memoryRow(
  runtime: string,
  dtype: string,
  baseline: number,
  afterLoad: number,
  afterRuns: number,
  peak: number,
): MemoryRow {
  const mb = (b: number): number => Math.round(b / MB);
  return {
    runtime,
    dtype,
    what: "inference: all browser processes (PSS); peak = the page renderer's own peak RSS",
    baselineMB: mb(baseline),
    afterLoadMB: mb(afterLoad),
    afterRunsMB: mb(afterRuns),
    peakMB: mb(peak),
  };
}
