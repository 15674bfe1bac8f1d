/**
 * The benchmark page (built by Vite like the app, served cross-origin isolated by bench/cases/browser.ts). It starts
 * the app's own ML worker through the app's client (`createMlClient`), and transformers.js in a second worker, and
 * exposes both to Playwright as `window.bench`. Nothing here runs unless Playwright calls it.
 */
import * as Comlink from 'comlink';
import { createMlClient } from '../../src/worker-api/client';
import type { MlClient } from '../../src/worker-api/client-types';
import { FetchLedger, type FetchRecord } from '../../src/runtime/fetch-ledger';
import type { Backend, LoadProgress } from '../../src/runtime/runtime-types';
import type { RepeatPlan } from '../lib/stats';
import type { GraphTiming } from '../lib/time-graph';
import type { FlopsApi } from './flops.worker';
import type { VariantApi, VariantConfig, VariantTiming } from './ort-variant.worker';
import type { TjsApi } from './tjs.worker';
import { stopToResult, type StopTimes } from '../lib/stop-to-result';
import { timelineFile, workerDriver, type TimelineFileRun } from './timeline-bench';

/** What one call of ours returns: the worker's stage timings and the page's wall time. */
export interface OursRun {
  readonly audioMs: number;
  readonly textMs: number;
  /** The emotion head's time; null when no head was active. */
  readonly headMs: number | null;
  /** Whether the call gave emotion scores. */
  readonly emotion: boolean;
  readonly wallMs: number;
  readonly transcriptChars: number;
  /** Which head scored the clip (`pair:<name>` or `embedded:<name>`) and its top label; null when none did. */
  readonly scorer: string | null;
  readonly top: string | null;
}

/** A load from a standing start (no worker yet), timed in the page: what a visitor waits for. */
export interface LoadRun {
  /** From creating the worker to the pipeline being ready (ms). */
  readonly initMs: number;
  /** From creating the worker to the result of the first clip (ms). */
  readonly firstResultMs: number;
  /**
   * How many model files the loader read from its cache, and which it downloaded (`model/file`). Ours only:
   * transformers.js' progress events do not say where a file came from (the server's byte count does).
   */
  readonly files: { readonly fromCache: number; readonly downloaded: readonly string[] } | null;
  /** Ours: the byte ledger, every file downloaded with its size and why (src/runtime/fetch-ledger.ts). */
  readonly ledger: readonly FetchRecord[] | null;
  /**
   * Ours: when each loader step (initiate, verify, edit, done, ready) was reported, ms after the start; where the time
   * goes.
   */
  readonly steps: readonly (readonly [number, string])[];
  /** Backend (ours) or pipeline description. */
  readonly description: string;
  /** Ours: whether the first result came with emotion scores (null for transformers.js, which has none). */
  readonly emotion: boolean | null;
}

/** The API Playwright drives. */
export interface BenchPage {
  readonly isolated: boolean;
  /** Loads a pair of the bench manifest in the app's worker; returns the backend description. */
  initOurs(pair: string, manifestUrl: string, backend: Backend): Promise<string>;
  analyseOurs(audioUrl: string): Promise<OursRun>;
  /**
   * Loads the transformers.js ASR pipeline from local files; returns its load time (ms). `localModelPath` must be a
   * path (`/x/`), not a URL: transformers.js 4.3 checks a local file's existence only for non-URL paths, and with a
   * URL it silently loads no feature extractor and the ASR call fails.
   */
  initTjs(localModelPath: string, model: string, dtype: string, threads: number): Promise<number>;
  /** One pipeline call; returns its time (ms, measured in the worker) and the transcript length. */
  runTjs(audioUrl: string): Promise<{ ms: number; chars: number }>;
  /** Starts the app's worker, loads `pair` and analyses the clip once (case 4). */
  loadOurs(pair: string, manifestUrl: string, backend: Backend, audioUrl: string): Promise<LoadRun>;
  /**
   * Starts the transformers.js worker, loads its pipeline and transcribes the clip once (case 4). `browserCache` turns
   * on its Cache API copy of the files, as a site using it would.
   */
  loadTjs(
    localModelPath: string,
    model: string,
    dtype: string,
    threads: number,
    audioUrl: string,
    browserCache: boolean,
  ): Promise<LoadRun>;
  /**
   * Times bare passes of the graph at `modelUrl` on the raw float32 input at `inputUrl` (case 5), in a fresh worker
   * with the app's onnxruntime-web adapter (wasm-mt, `threads` threads); the worker ends with the call.
   */
  timeGraph(
    modelUrl: string,
    inputUrl: string,
    input: string,
    dims: readonly number[],
    threads: number,
    plan: RepeatPlan,
  ): Promise<GraphTiming>;
  /**
   * The profile case: bare passes under one onnxruntime-web configuration, in a fresh worker that ends with the call.
   */
  timeVariant(
    config: VariantConfig,
    modelUrl: string,
    inputUrl: string,
    input: string,
    dims: readonly number[],
    plan: RepeatPlan,
  ): Promise<VariantTiming>;
  /** The timeline case: the file in the page's `#timeline-file` input, read and analysed as the Timeline screen does. */
  timelineFile(): Promise<TimelineFileRun>;
  /** The timeline case: stop to result for the raw float32 recording at `audioUrl`, both ways, through the worker. */
  stopToResult(audioUrl: string, repeats: number): Promise<StopTimes>;
}

async function timeVariant(...args: Parameters<VariantApi['time']>): Promise<VariantTiming> {
  const worker = new Worker(new URL('./ort-variant.worker.ts', import.meta.url), {
    type: 'module',
    name: 'ort-variant',
  });
  try {
    return await Comlink.wrap<VariantApi>(worker).time(...args);
  } finally {
    worker.terminate();
  }
}

const audioCache = new Map<string, Float32Array>();

/** Raw little-endian float32 PCM written by the Node side, fetched once per clip length. */
async function audio(url: string): Promise<Float32Array> {
  let pcm = audioCache.get(url);
  if (pcm === undefined) {
    pcm = new Float32Array(await (await fetch(url)).arrayBuffer());
    audioCache.set(url, pcm);
  }
  return pcm;
}

let ours: MlClient | null = null;
let tjs: Comlink.Remote<TjsApi> | null = null;

function startTjs(): Comlink.Remote<TjsApi> {
  return Comlink.wrap<TjsApi>(new Worker(new URL('./tjs.worker.ts', import.meta.url), { type: 'module', name: 'tjs' }));
}

const bench: BenchPage = {
  isolated: self.crossOriginIsolated,
  async initOurs(pair, manifestUrl, backend) {
    ours = createMlClient();
    const r = await ours.init({ pair, manifestUrl, backend }, () => undefined);
    if (!r.ok) throw new Error(`init failed: ${r.error.code}: ${r.error.message}`);
    // A pair's built-in head loads at start-up; one that fails leaves a notice, and the case must not go on without it.
    const status = await ours.headStatus();
    if (status.ok && status.value.head === null)
      throw new Error(`no emotion head: ${JSON.stringify(status.value.notices)}`);
    const on = r.value.adapter === null ? '' : ` on ${r.value.adapter}`;
    return `${r.value.backend}${on}, ${String(r.value.threads)} threads (${r.value.reason})`;
  },
  async analyseOurs(audioUrl) {
    if (ours === null) throw new Error('initOurs first');
    const pcm = await audio(audioUrl);
    const t0 = performance.now();
    const r = await ours.analyse(pcm);
    const wallMs = performance.now() - t0;
    if (!r.ok) throw new Error(`analyse failed: ${r.error.code}: ${r.error.message}`);
    const { audioMs, textMs, headMs } = r.value.timings;
    const s = r.value.scorer;
    return {
      audioMs,
      textMs,
      headMs,
      wallMs,
      transcriptChars: r.value.transcript?.length ?? 0,
      emotion: r.value.emotion !== null,
      scorer: s == null ? null : `${s.source}:${s.head}`,
      top: r.value.emotion?.[0]?.label ?? null,
    };
  },
  async initTjs(localModelPath, model, dtype, threads) {
    tjs = startTjs();
    return tjs.init(localModelPath, model, dtype, threads);
  },
  async runTjs(audioUrl) {
    if (tjs === null) throw new Error('initTjs first');
    return tjs.run(await audio(audioUrl));
  },
  async loadOurs(pair, manifestUrl, backend, audioUrl) {
    // The clip is fetched before the clock starts: the case times the models, not the test input.
    const pcm = await audio(audioUrl);
    const t0 = performance.now();
    const files = { fromCache: 0, downloaded: [] as string[] };
    const steps: [number, string][] = [];
    const ledger = new FetchLedger();
    const onProgress = (p: LoadProgress): void => {
      ledger.apply(p);
      if (p.status !== 'progress')
        steps.push([Math.round(performance.now() - t0), `${p.status} ${p.model}${'file' in p ? `/${p.file}` : ''}`]);
      if (p.status !== 'done') return;
      if (p.fromCache) files.fromCache++;
      else files.downloaded.push(`${p.model}/${p.file}`);
    };
    ours = createMlClient();
    const r = await ours.init({ pair, manifestUrl, backend }, onProgress);
    const initMs = performance.now() - t0;
    if (!r.ok) throw new Error(`init failed: ${r.error.code}: ${r.error.message}`);
    const a = await ours.analyse(pcm);
    const firstResultMs = performance.now() - t0;
    if (!a.ok) throw new Error(`analyse failed: ${a.error.code}: ${a.error.message}`);
    return {
      initMs,
      firstResultMs,
      files,
      ledger: ledger.entries,
      steps,
      description: `${r.value.backend}, ${r.value.threads} threads`,
      emotion: a.value.emotion !== null,
    };
  },
  async loadTjs(localModelPath, model, dtype, threads, audioUrl, browserCache) {
    const pcm = await audio(audioUrl);
    const t0 = performance.now();
    tjs = startTjs();
    await tjs.init(localModelPath, model, dtype, threads, browserCache);
    const initMs = performance.now() - t0;
    await tjs.run(pcm);
    return {
      initMs,
      firstResultMs: performance.now() - t0,
      files: null,
      ledger: null,
      steps: [],
      description: `wasm, ${threads} threads`,
      emotion: null,
    };
  },
  async timeGraph(modelUrl, inputUrl, input, dims, threads, plan) {
    const worker = new Worker(new URL('./flops.worker.ts', import.meta.url), { type: 'module', name: 'flops' });
    try {
      return await Comlink.wrap<FlopsApi>(worker).time(modelUrl, inputUrl, input, dims, threads, plan);
    } finally {
      worker.terminate();
    }
  },
  timeVariant,
  timelineFile() {
    const input = document.querySelector<HTMLInputElement>('#timeline-file');
    if (ours === null || input === null) throw new Error('initOurs first, on a page with #timeline-file');
    return timelineFile(ours, input);
  },
  async stopToResult(audioUrl, repeats) {
    if (ours === null) throw new Error('initOurs first');
    return stopToResult(workerDriver(ours), await audio(audioUrl), repeats);
  },
};

(window as unknown as { bench: BenchPage }).bench = bench;
