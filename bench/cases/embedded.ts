/**
 * The out-of-the-box experience: the page's default pair (weight-free "embedded" encoders + the shipped trained head,
 * straight from public/models/manifest.json) against wav2vec2 + RoBERTa on the base-size random-weight fixtures with
 * the bench's random head, in one run, one page setup (the app's worker, wasm-mt, cross-origin isolated, Chromium).
 *   1. Stop to emotion: handing a clip's 16 kHz PCM to the worker (what the page does when recording stops) to its
 *      emotion scores; both pages stay open and take turns, so a busy spell on the machine hits both.
 *   2. Ready: creating the worker in a fresh profile (empty Cache API) to `init` resolved (pair and head loaded), and
 *      to the first emotion of a 5 s clip; then warm (page reloaded, same profile). Model files (graphs, side files,
 *      heads) are paced at `--bandwidth` like the load case; code and WASM come at loopback speed (their bytes are
 *      counted, so their time on the same link can be added).
 */
import { copyFileSync, createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Page } from 'playwright';
import type { BenchPage, LoadRun, OursRun } from '../browser/page';
import { speechClip } from '../lib/audio';
import { callBench, startHarness } from '../lib/harness';
import { REPO, TMP, type ModelSet } from '../lib/models';
import { summarise, type RepeatPlan, type Timing } from '../lib/stats';
import { headFiles, Link, openProfile } from './load';

/** Port of this case's server (4190-4193: other cases, 4194: bench/memory-trace.ts). */
export const EMBEDDED_PORT = 4195;
/** Clip of the first emotion after a load (seconds), as the load case. */
const LOAD_CLIP_SECONDS = 5;
/** A cold load of the ONNX pair longer than this on the wire runs at most twice (as the load case). */
const LONG_COLD_S = 20;
const CHUNK = 64 * 1024;
const PRODUCTION = join(REPO, 'public', 'models', 'manifest.json');

/** `embedded`: the page's default pair and its shipped head; `onnx`: the wav2vec2 + RoBERTa fixtures pair. */
export type EmbeddedSide = 'embedded' | 'onnx';

/** What was loaded on each side. */
export interface SideInfo {
  readonly side: EmbeddedSide;
  readonly pair: string;
  /** `none` for weight-free encoders. */
  readonly dtype: string;
  /** Manifest the worker read, relative to the repository. */
  readonly manifest: string;
  /** The head that scored (`pair:<name>` / `embedded:<name>`), as the worker reported it. */
  readonly scorer: string | null;
  /** Backend and threads, as the worker reported them. */
  readonly description: string;
}

/** Stop to emotion for one side and clip length. */
export interface StopRow {
  readonly side: EmbeddedSide;
  readonly seconds: number;
  /** The page's time for `analyse` (PCM handed over to scores back). */
  readonly stop: Timing;
  /** The worker's stage times: audio encoder (+ CTC), text encoder, emotion head. */
  readonly audio: Timing;
  readonly text: Timing;
  readonly head: Timing;
  /** Top label of the last repeat (meaningless for the random head). */
  readonly top: string | null;
  readonly transcriptChars: number;
}

/** Page load to ready, one side and phase. */
export interface ReadyRow {
  readonly side: EmbeddedSide;
  readonly phase: 'cold' | 'warm';
  /** Creating the worker to `init` resolved (pair and head loaded). */
  readonly init: Timing;
  /** Creating the worker to the first emotion of the 5 s clip. */
  readonly firstResult: Timing;
  /** Model bytes (throttled; of which the head's files) and other bytes (code, WASM, manifest; loopback) per repeat. */
  readonly modelBytes: readonly number[];
  readonly headBytes: readonly number[];
  readonly otherBytes: readonly number[];
  readonly steps: readonly LoadRun['steps'][];
}

export interface EmbeddedResult {
  readonly bandwidthMbit: number;
  readonly clipSeconds: number;
  readonly sides: readonly SideInfo[];
  readonly stop: readonly StopRow[];
  readonly ready: readonly ReadyRow[];
}

/** Runs both measurements; `sets` gives the ONNX pair (int8 when there is one, as the WASM backend prefers). */
export async function runEmbedded(
  manifestPath: string,
  sets: readonly ModelSet[],
  lengths: readonly number[],
  plan: RepeatPlan,
  log: (line: string) => void,
  bandwidthMbit = 100,
): Promise<{ result: EmbeddedResult; notes: string[] }> {
  const set = sets.find((s) => s.dtype === 'q8') ?? sets[0];
  if (set === undefined) throw new Error('embedded: no ONNX model set');
  const prod = JSON.parse(readFileSync(PRODUCTION, 'utf8')) as { defaultPair?: unknown; heads?: { pair?: unknown }[] };
  const defaultPair = typeof prod.defaultPair === 'string' ? prod.defaultPair : 'lite';
  if (!(prod.heads ?? []).some((h) => h.pair === defaultPair))
    throw new Error(`embedded: public/models/manifest.json lists no head for its default pair "${defaultPair}"`);
  // A copy beside the bench manifest (its relative paths hold) keeps the ONNX side fixed if another run rewrites it.
  const benchManifest = join(TMP, 'embedded-manifest.json');
  copyFileSync(manifestPath, benchManifest);
  const sides = [
    { side: 'embedded' as const, pair: defaultPair, dtype: 'none', manifest: PRODUCTION },
    { side: 'onnx' as const, pair: set.pair, dtype: set.dtype, manifest: benchManifest },
  ];

  // Model files: the fixture graphs and side files, and every head either manifest lists.
  const modelDirs = [set.wav2vec2Dir, set.robertaDir].map((d) => d + sep);
  const heads = new Set([...headFiles(PRODUCTION).paths, ...headFiles(benchManifest).paths]);
  const link = new Link((bandwidthMbit * 1e6) / 8 / 1000);
  const traffic = { model: 0, head: 0, other: 0, throttle: false };
  const send = (path: string, _size: number, _req: IncomingMessage, res: ServerResponse): void => {
    const head = heads.has(path);
    const model = head || modelDirs.some((d) => path.startsWith(d));
    async function* paced(): AsyncGenerator<Buffer> {
      for await (const chunk of createReadStream(path, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
        if (model && traffic.throttle) await link.transmit(chunk.byteLength);
        if (model) traffic.model += chunk.byteLength;
        else traffic.other += chunk.byteLength;
        if (head) traffic.head += chunk.byteLength;
        yield chunk;
      }
    }
    pipeline(Readable.from(paced()), res).catch(() => undefined);
  };

  log(`embedded: building the bench page (${defaultPair} from public/models/manifest.json vs ${set.pair})`);
  const h = await startHarness({ port: EMBEDDED_PORT, name: 'embedded', send });
  const clipUrl = (seconds: number): string => {
    const file = join(TMP, `embedded-speech-${String(seconds)}s.f32`);
    const pcm = speechClip(seconds);
    writeFileSync(file, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    return h.url(file);
  };
  const audio = new Map([...new Set([...lengths, LOAD_CLIP_SECONDS])].map((s) => [s, clipUrl(s)] as const));
  const info: SideInfo[] = [];
  const stop: StopRow[] = [];
  const ready: ReadyRow[] = [];
  const notes: string[] = [];
  try {
    // 1. Stop to emotion, models at loopback speed: both pages loaded, then each clip on each in turn.
    const pages: Page[] = [];
    try {
      for (const s of sides) {
        const page = await h.openPage(log);
        pages.push(page);
        if (!(await page.evaluate(() => (window as unknown as { bench: BenchPage }).bench.isolated)))
          throw new Error('embedded: the bench page is not cross-origin isolated');
        const description = await callBench(page, 'initOurs', s.pair, h.url(s.manifest), 'wasm-mt');
        log(`embedded ${s.side} (${s.pair}): ${description}`);
        info.push({
          side: s.side,
          pair: s.pair,
          dtype: s.dtype,
          manifest: relative(REPO, s.manifest),
          scorer: null,
          description,
        });
      }
      for (const seconds of lengths) {
        const runs: OursRun[][] = sides.map(() => []);
        for (let i = 0; i < plan.warmup + plan.repeats; i++) {
          for (const [k, page] of pages.entries()) {
            const r = await callBench(page, 'analyseOurs', audio.get(seconds) ?? '');
            if (!r.emotion) throw new Error(`embedded: ${sides[k]?.pair ?? ''} gave no emotion scores`);
            if (i >= plan.warmup) runs[k]?.push(r);
          }
        }
        for (const [k, s] of sides.entries()) {
          const list = runs[k] ?? [];
          const last = list.at(-1);
          const row: StopRow = {
            side: s.side,
            seconds,
            stop: summarise(list.map((r) => r.wallMs)),
            audio: summarise(list.map((r) => r.audioMs)),
            text: summarise(list.map((r) => r.textMs)),
            head: summarise(list.map((r) => r.headMs ?? Number.NaN)),
            top: last?.top ?? null,
            transcriptChars: last?.transcriptChars ?? 0,
          };
          const i = info[k];
          if (i !== undefined) info[k] = { ...i, scorer: last?.scorer ?? null };
          stop.push(row);
          log(
            `embedded stop->emotion ${s.side} ${String(seconds)} s: ${row.stop.median.toFixed(0)} ms (head ${row.head.median.toFixed(1)} ms, top ${row.top ?? '-'})`,
          );
        }
      }
    } finally {
      for (const page of pages) await page.close();
    }

    // 2. Ready: fresh profiles on disk, model files throttled; cold loads of both sides alternate.
    traffic.throttle = true;
    const probe = await h.openPage(log);
    const pageUrl = probe.url();
    await probe.close();
    const wireS =
      ([set.wav2vec2Dir, set.robertaDir].reduce(
        (b, d, i) => b + statSync(join(d, 'onnx', i === 0 ? set.wav2vec2File : set.robertaFile)).size,
        0,
      ) *
        8) /
      (bandwidthMbit * 1e6);
    const coldRepeats = (s: EmbeddedSide): number =>
      s === 'onnx' && wireS > LONG_COLD_S ? Math.min(plan.repeats, 2) : plan.repeats;
    if (coldRepeats('onnx') < plan.repeats)
      notes.push(
        `embedded: ${set.pair} ${String(coldRepeats('onnx'))} cold loads, not ${String(plan.repeats)} (${wireS.toFixed(0)} s on the wire each)`,
      );
    const samples = new Map<string, { run: LoadRun; model: number; head: number; other: number }[]>();
    const loadOnce = async (page: Page, s: (typeof sides)[number], phase: ReadyRow['phase']): Promise<void> => {
      Object.assign(traffic, { model: 0, head: 0, other: 0 });
      const run = await callBench(
        page,
        'loadOurs',
        s.pair,
        h.url(s.manifest),
        'wasm-mt',
        audio.get(LOAD_CLIP_SECONDS) ?? '',
      );
      if (run.emotion !== true) throw new Error(`embedded: ${s.pair} ${phase} load gave no emotion scores`);
      const key = `${s.side}|${phase}`;
      samples.set(key, [
        ...(samples.get(key) ?? []),
        { run, model: traffic.model, head: traffic.head, other: traffic.other },
      ]);
      log(
        `embedded ready ${s.side} ${phase}: init ${run.initMs.toFixed(0)} ms, first emotion ${run.firstResultMs.toFixed(0)} ms, model ${mb(traffic.model)} MB (head ${mb(traffic.head)}), other ${mb(traffic.other)} MB`,
      );
    };
    for (let r = 0; r < plan.repeats; r++) {
      for (const s of sides) {
        if (r >= coldRepeats(s.side)) continue;
        const profile = await openProfile(pageUrl, log);
        try {
          await loadOnce(profile.page, s, 'cold');
          for (let w = 0; r === 0 && w < plan.repeats; w++) {
            await profile.page.reload();
            await profile.page.waitForFunction(() => 'bench' in window);
            await loadOnce(profile.page, s, 'warm');
          }
        } finally {
          await profile.close();
        }
      }
    }
    for (const s of sides) {
      for (const phase of ['cold', 'warm'] as const) {
        const list = samples.get(`${s.side}|${phase}`) ?? [];
        if (list.length === 0) continue;
        ready.push({
          side: s.side,
          phase,
          init: summarise(list.map((x) => x.run.initMs)),
          firstResult: summarise(list.map((x) => x.run.firstResultMs)),
          modelBytes: list.map((x) => x.model),
          headBytes: list.map((x) => x.head),
          otherBytes: list.map((x) => x.other),
          steps: list.map((x) => x.run.steps),
        });
        if (phase === 'warm' && list.some((x) => x.model > 0))
          notes.push(
            `embedded: ${s.pair} warm loads downloaded model files again (${list.map((x) => mb(x.model)).join(', ')} MB)`,
          );
      }
    }
  } finally {
    await h.close();
  }
  notes.push(
    `embedded: "${defaultPair}" is public/models/manifest.json's default pair with its shipped head; ${set.pair} has the bench's random-weight head and no embedded stand-in (the bench manifest lists no weight-free pair)`,
    `embedded: ready = model files at ${String(bandwidthMbit)} Mbit/s; code and WASM at loopback speed ("+ code on the wire" adds their bytes at the same rate)`,
  );
  return { result: { bandwidthMbit, clipSeconds: LOAD_CLIP_SECONDS, sides: info, stop, ready }, notes };
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(bytes < 1e6 && bytes > 0 ? 2 : 1);
}
