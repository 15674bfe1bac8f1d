/**
 * Case 1 in headless Chromium: the app's ML worker (built by Vite exactly as the app is) and the transformers.js ASR
 * pipeline, on the same graphs and clips, driven through Playwright. The page is served cross-origin isolated from the
 * repository root on port 4190 by a small static server, so the built page, the bench manifest and the fixture graphs
 * share one origin (COEP then allows them all) without copying a model anywhere.
 */
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright';
import { build } from 'vite';
import { chromiumArgs, chromiumPath } from '../../test/chromium';
import { isolationHeaders } from '../../vite.config';
import type { BenchPage } from '../browser/page';
import { speechClip } from '../lib/audio';
import { prepareTransformersJsModel, REPO, TMP, type ModelSet } from '../lib/models';
import { measure, summarise, type RepeatPlan } from '../lib/stats';
import type { InferenceRow } from './native';

/** Port of the bench server (the e2e suite owns 4173). */
export const BENCH_PORT = 4190;
const ORIGIN = `http://127.0.0.1:${BENCH_PORT}`;
// Under node_modules/.cache (as Vite keeps its own): git and `eslint .` skip it, and a build must not be linted.
const WEB = join(REPO, 'node_modules', '.cache', 'mmer-bench', 'web');

const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.json': 'application/json', '.css': 'text/css',
};

/** Builds bench/browser/index.html with the app's Vite config into node_modules/.cache/mmer-bench/web. */
async function buildPage(): Promise<void> {
  await build({
    configFile: join(REPO, 'vite.config.ts'),
    root: REPO,
    base: './',
    publicDir: false,
    logLevel: 'warn',
    build: { outDir: WEB, emptyOutDir: true, rollupOptions: { input: join(REPO, 'bench', 'browser', 'index.html') } },
  });
}

/** GET-only static server over the repository root with the app's isolation headers; bound to loopback. */
function serve(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = resolve(REPO, `.${decodeURIComponent(new URL(req.url ?? '/', ORIGIN).pathname)}`);
    let size = -1;
    try {
      if (path.startsWith(REPO + sep) && req.method === 'GET') size = statSync(path).isFile() ? statSync(path).size : -1;
    } catch {
      size = -1;
    }
    if (size < 0) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { ...isolationHeaders, 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': size });
    createReadStream(path).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(BENCH_PORT, '127.0.0.1', () => {
      ok(server);
    });
  });
}

const url = (file: string): string => `${ORIGIN}/${file.slice(REPO.length + 1).split(sep).join('/')}`;

async function openPage(browser: Browser, log: (l: string) => void): Promise<Page> {
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') log(`  [page] ${m.text()}`);
  });
  await page.goto(url(join(WEB, 'bench', 'browser', 'index.html')));
  await page.waitForFunction(() => 'bench' in window);
  return page;
}

const bench = (page: Page) => ({
  call: <K extends 'initOurs' | 'analyseOurs' | 'initTjs' | 'runTjs'>(name: K, ...args: Parameters<BenchPage[K]>): Promise<Awaited<ReturnType<BenchPage[K]>>> =>
    page.evaluate(([n, a]) => {
      const b = (window as unknown as { bench: Record<string, (...x: unknown[]) => unknown> }).bench;
      const fn = b[n];
      if (fn === undefined) throw new Error(`bench.${n} missing`);
      return fn(...a);
    }, [name, args] as const) as Promise<Awaited<ReturnType<BenchPage[K]>>>,
});

/** Runs ours (wasm-mt) and transformers.js for every model set and clip length, each in a fresh page. */
export async function runBrowser(
  manifestPath: string,
  sets: readonly ModelSet[],
  lengths: readonly number[],
  plan: RepeatPlan,
  log: (line: string) => void,
): Promise<{ rows: InferenceRow[]; notes: string[] }> {
  log('browser: building the bench page with the app config');
  await buildPage();
  const audio = new Map(lengths.map((s) => {
    const file = join(TMP, `speech-${s}s.f32`);
    const pcm = speechClip(s);
    writeFileSync(file, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    return [s, url(file)] as const;
  }));
  const server = await serve();
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs(), headless: true });
  const rows: InferenceRow[] = [];
  const notes: string[] = [];
  try {
    for (const set of sets) {
      let page = await openPage(browser, log);
      const isolated = await page.evaluate(() => (window as unknown as { bench: BenchPage }).bench.isolated);
      const backend = await bench(page).call('initOurs', set.pair, url(manifestPath), 'wasm-mt');
      notes.push(`ours ${set.dtype}: ${backend}; crossOriginIsolated=${isolated}`);
      log(`browser ours ${set.dtype}: ${backend}`);
      const runtime = `ours: app worker, onnxruntime-web ${backend.split(' (')[0] ?? ''}`;
      for (const seconds of lengths) {
        const src = audio.get(seconds) ?? '';
        let chars = 0;
        const audioMs: number[] = [];
        // One set of repeats gives both figures: the worker's audio-stage time and the page's time for the whole call.
        const full = await measure(async () => {
          const r = await bench(page).call('analyseOurs', src);
          audioMs.push(r.audioMs);
          chars = r.transcriptChars;
          return r.wallMs;
        }, plan);
        const asr = summarise(audioMs.slice(plan.warmup));
        rows.push({ runtime, dtype: set.dtype, seconds, asr, full, transcriptChars: chars });
        log(`browser ours ${set.dtype} ${seconds} s: asr ${asr.median.toFixed(0)} ms, full ${full.median.toFixed(0)} ms`);
      }
      await page.close();
      page = await openPage(browser, log);
      const model = prepareTransformersJsModel(set);
      const loadMs = await bench(page).call('initTjs', `${new URL(url(join(TMP, 'tjs'))).pathname}/`, model, set.dtype, 2);
      notes.push(`transformers.js ${set.dtype}: pipeline loaded in ${(loadMs / 1000).toFixed(1)} s (wasm, 2 threads)`);
      for (const seconds of lengths) {
        const src = audio.get(seconds) ?? '';
        let chars = 0;
        const asr = await measure(async () => {
          const r = await bench(page).call('runTjs', src);
          chars = r.chars;
          return r.ms;
        }, plan);
        rows.push({ runtime: 'transformers.js ASR pipeline (wasm, 2 threads)', dtype: set.dtype, seconds, asr, full: null, transcriptChars: chars });
        log(`browser transformers.js ${set.dtype} ${seconds} s: ${asr.median.toFixed(0)} ms`);
      }
      await page.close();
    }
  } finally {
    await browser.close();
    await new Promise((ok) => server.close(ok));
  }
  return { rows, notes };
}
