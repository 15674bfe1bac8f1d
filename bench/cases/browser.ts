/**
 * Case 1 in headless Chromium: the app's ML worker (built by Vite exactly as the app is) and the transformers.js ASR
 * pipeline, on the same graphs and clips, driven through Playwright (bench/lib/harness.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchPage } from '../browser/page';
import { speechClip } from '../lib/audio';
import { callBench, startHarness } from '../lib/harness';
import { prepareTransformersJsModel, TMP, type ModelSet } from '../lib/models';
import { measure, summarise, type RepeatPlan } from '../lib/stats';
import type { InferenceRow } from './native';

/** Port of the inference case's server (the e2e suite owns 4173). */
export const BENCH_PORT = 4190;

/** Runs ours (wasm-mt) and transformers.js for every model set and clip length, each in a fresh page. */
export async function runBrowser(
  manifestPath: string,
  sets: readonly ModelSet[],
  lengths: readonly number[],
  plan: RepeatPlan,
  log: (line: string) => void,
): Promise<{ rows: InferenceRow[]; notes: string[] }> {
  log('browser: building the bench page with the app config');
  const h = await startHarness({ port: BENCH_PORT, name: 'inference' });
  const url = h.url;
  const audio = new Map(lengths.map((s) => {
    const file = join(TMP, `speech-${s}s.f32`);
    const pcm = speechClip(s);
    writeFileSync(file, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    return [s, url(file)] as const;
  }));
  const rows: InferenceRow[] = [];
  const notes: string[] = [];
  try {
    for (const set of sets) {
      let page = await h.openPage(log);
      const isolated = await page.evaluate(() => (window as unknown as { bench: BenchPage }).bench.isolated);
      const backend = await callBench(page, 'initOurs', set.pair, url(manifestPath), 'wasm-mt');
      notes.push(`ours ${set.dtype}: ${backend}; crossOriginIsolated=${isolated}`);
      log(`browser ours ${set.dtype}: ${backend}`);
      const runtime = `ours: app worker, onnxruntime-web ${backend.split(' (')[0] ?? ''}`;
      for (const seconds of lengths) {
        const src = audio.get(seconds) ?? '';
        let chars = 0;
        const audioMs: number[] = [];
        // One set of repeats gives both figures: the worker's audio-stage time and the page's time for the whole call.
        const full = await measure(async () => {
          const r = await callBench(page, 'analyseOurs', src);
          audioMs.push(r.audioMs);
          chars = r.transcriptChars;
          return r.wallMs;
        }, plan);
        const asr = summarise(audioMs.slice(plan.warmup));
        rows.push({ runtime, dtype: set.dtype, seconds, asr, full, transcriptChars: chars });
        log(`browser ours ${set.dtype} ${seconds} s: asr ${asr.median.toFixed(0)} ms, full ${full.median.toFixed(0)} ms`);
      }
      await page.close();
      page = await h.openPage(log);
      const model = prepareTransformersJsModel(set);
      const loadMs = await callBench(page, 'initTjs', `${new URL(url(join(TMP, 'tjs'))).pathname}/`, model, set.dtype, 2);
      notes.push(`transformers.js ${set.dtype}: pipeline loaded in ${(loadMs / 1000).toFixed(1)} s (wasm, 2 threads)`);
      for (const seconds of lengths) {
        const src = audio.get(seconds) ?? '';
        let chars = 0;
        const asr = await measure(async () => {
          const r = await callBench(page, 'runTjs', src);
          chars = r.chars;
          return r.ms;
        }, plan);
        rows.push({ runtime: 'transformers.js ASR pipeline (wasm, 2 threads)', dtype: set.dtype, seconds, asr, full: null, transcriptChars: chars });
        log(`browser transformers.js ${set.dtype} ${seconds} s: ${asr.median.toFixed(0)} ms`);
      }
      await page.close();
    }
  } finally {
    await h.close();
  }
  return { rows, notes };
}
