/**
 * The benchmark page (built by Vite like the app, served cross-origin isolated by bench/cases/browser.ts). It starts
 * the app's own ML worker through the app's client (`createMlClient`), and transformers.js in a second worker, and
 * exposes both to Playwright as `window.bench`. Nothing here runs unless Playwright calls it.
 */
import * as Comlink from 'comlink';
import { createMlClient } from '../../src/worker-api/client';
import type { MlClient } from '../../src/worker-api/client-types';
import type { Backend } from '../../src/worker-api/protocol';
import type { TjsApi } from './tjs.worker';

/** What one call of ours returns: the worker's stage timings and the page's wall time. */
export interface OursRun {
  readonly audioMs: number;
  readonly textMs: number;
  readonly wallMs: number;
  readonly transcriptChars: number;
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

const bench: BenchPage = {
  isolated: self.crossOriginIsolated,
  async initOurs(pair, manifestUrl, backend) {
    ours = createMlClient();
    const r = await ours.init({ pair, manifestUrl, backend }, () => undefined);
    if (!r.ok) throw new Error(`init failed: ${r.error.code}: ${r.error.message}`);
    return `${r.value.backend}, ${r.value.threads} threads (${r.value.reason})`;
  },
  async analyseOurs(audioUrl) {
    if (ours === null) throw new Error('initOurs first');
    const pcm = await audio(audioUrl);
    const t0 = performance.now();
    const r = await ours.analyse(pcm);
    const wallMs = performance.now() - t0;
    if (!r.ok) throw new Error(`analyse failed: ${r.error.code}: ${r.error.message}`);
    const { audioMs, textMs } = r.value.timings;
    return { audioMs, textMs, wallMs, transcriptChars: r.value.transcript?.length ?? 0 };
  },
  async initTjs(localModelPath, model, dtype, threads) {
    tjs = Comlink.wrap<TjsApi>(new Worker(new URL('./tjs.worker.ts', import.meta.url), { type: 'module', name: 'tjs' }));
    return tjs.init(localModelPath, model, dtype, threads);
  },
  async runTjs(audioUrl) {
    if (tjs === null) throw new Error('initTjs first');
    return tjs.run(await audio(audioUrl));
  },
};

(window as unknown as { bench: BenchPage }).bench = bench;
