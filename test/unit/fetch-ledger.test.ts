/**
 * The byte ledger of a load: a load of the fixture pair records exactly the files its dtype runs, each once, with
 * the reason it was fetched; a training run's start (its audio cut moved, the audio graph read for its encoder
 * layers) downloads nothing already fetched, only the training-only config. Files are served from a copy of the
 * fixtures on disk through a counting fetch: no network.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeEngine } from '../../src/mmer/engine-node';
import { builtinHeadById, fetchBuiltinHead } from '../../src/inference/builtin-head';
import type { EncoderContext } from '../../src/inference/load-encoders';
import { LoadedPair } from '../../src/inference/loaded-pair';
import { openLoadQueue, planPairDownloads } from '../../src/inference/load-plan';
import { nodePlatform } from '../../src/recognizer/node-platform';
import { Recognizer } from '../../src/recognizer/recognizer';
import { MemoryStore } from '../../src/runtime/cache';
import { describeWhy, FetchLedger, ledgerTable } from '../../src/runtime/fetch-ledger';
import { headsForPair, type Manifest } from '../../src/runtime/manifest';
import { parseManifest } from '../../src/runtime/manifest-parse';
import { fileAwareFetch } from '../../src/runtime/node-io';
import { nodeAdapter } from '../../src/runtime/ort-node';
import type { Dtype } from '../../src/runtime/runtime-types';
import { downloadNotice } from '../../src/hooks/useTraining';
import { formatMB } from '../../src/page/load-progress';
import { downloadReporter } from '../../src/training/training-jobs';
import type { TrainEvent } from '../../src/worker-api/training-protocol';
import { REPO_ROOT } from '../shared-data';
import { ensureFixtures } from './fixtures-on-disk';

const W2V = 'wav2vec2-tiny-fixture';
const ROB = 'roberta-tiny-fixture';
const GRAPH: Readonly<Record<'fp32' | 'q8', string>> = { fp32: 'onnx/model.onnx', q8: 'onnx/model_quantized.onnx' };

let dir = '';
let manifestPath = '';

/** A copy of the fixtures where each fixture encoder ships fp32 and q8 graphs (the q8 one a renamed copy). */
function writeModels(): void {
  dir = mkdtempSync(join(tmpdir(), 'mmer-ledger-'));
  cpSync(join(REPO_ROOT, 'public', 'models'), dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    models: { id: string; source?: { path: string }; weights?: Record<string, unknown> }[];
  };
  for (const m of json.models) {
    if ((m.id !== W2V && m.id !== ROB) || m.source === undefined || m.weights === undefined) continue;
    const onnxDir = join(dir, m.source.path);
    cpSync(join(onnxDir, GRAPH.fp32), join(onnxDir, GRAPH.q8));
    // Sizes as a pinned manifest states them: the loader checks them, and plans downloads ahead by them.
    const ref = (path: string): { path: string; bytes: number } => ({
      path,
      bytes: statSync(join(onnxDir, path)).size,
    });
    m.weights = { fp32: ref(GRAPH.fp32), q8: ref(GRAPH.q8) };
  }
  manifestPath = join(dir, 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify(json));
}

/** The manifest with `dtype` preferred on the Node backend ('wasm'), the fixture head listed or not. */
function manifestFor(dtype: Dtype, head: boolean): Manifest {
  const m = parseManifest(JSON.parse(readFileSync(manifestPath, 'utf8')));
  const preference = { ...m.dtypePreference, wasm: dtype === 'q8' ? (['q8', 'fp32'] as const) : ['fp32' as const] };
  return { ...m, dtypePreference: preference, heads: head ? m.heads : m.heads.filter((h) => h.pair !== 'fixture') };
}

/** A fetch that answers from disk and remembers every URL asked for. */
function countingFetch(): { fetchImpl: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  const fetchImpl: typeof fetch = (input, init) => {
    urls.push(input instanceof Request ? input.url : input.toString());
    return fileAwareFetch(input, init);
  };
  return { fetchImpl, urls };
}

/** A fresh cache on WASM (onnxruntime-node) that reads `manifest` through `fetchImpl` into `ledger`. */
function encoderContext(manifest: Manifest, fetchImpl: typeof fetch, ledger: FetchLedger): EncoderContext {
  return {
    manifest,
    manifestUrl: pathToFileURL(manifestPath).href,
    store: new MemoryStore(),
    fetchImpl,
    onProgress: ledger.apply,
    ort: nodeAdapter(1),
    backend: 'wasm',
    hasShaderF16: false,
  };
}

/** Ledger rows as `model/file: reason`, sorted, for exact comparison. */
function rows(ledger: FetchLedger): string[] {
  return ledger.entries.map((r) => `${r.model}/${r.file}: ${describeWhy(r.why)}`).sort();
}

beforeAll(async () => {
  await initNodeEngine();
  await ensureFixtures();
  writeModels();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the byte ledger of a fixture-pair load', () => {
  const cases = (['fp32', 'q8'] as const).flatMap((dtype) =>
    [true, false].flatMap((head) => [true, false].map((training) => ({ dtype, head, training }))),
  );

  it.each(cases)('$dtype, head $head, training started $training', async ({ dtype, head, training }) => {
    const manifest = manifestFor(dtype, head);
    const ledger = new FetchLedger();
    const { fetchImpl, urls } = countingFetch();
    const ctx = encoderContext(manifest, fetchImpl, ledger);
    const pair = await LoadedPair.load(ctx, 'fixture');
    const entry = headsForPair(manifest, 'fixture')[0];
    if (head) {
      if (entry === undefined) throw new Error('the manifest lists no fixture head');
      await fetchBuiltinHead(ctx, entry, 'pair');
    }
    if (training) {
      // What Recognizer.train does before the run: cut below the trainable layers (none here: the fixture graph is
      // cut below its top layer, so this moves the cut), then read the graph's weights.
      const layer = pair.trainingLayer(0);
      if (layer === null) throw new Error('the fixture audio encoder has no graph');
      expect(await pair.cutAt(layer, ledger.apply)).toBe(true);
      const said: TrainEvent[] = [];
      const report = downloadReporter((e) => said.push(e));
      const graph = await pair.audioGraph((p) => {
        report(p);
        ledger.apply(p);
      });
      expect(graph).not.toBeNull();
      // The run says what it downloads before it does: the config only, the graph comes from the cache.
      expect(said.map((e) => (e.kind === 'download' ? downloadNotice(e) : e.kind))).toEqual([
        `Downloading a file of unknown size for this run (config.json; training only: audio encoder config).`,
      ]);
    }
    const want = [
      `${ROB}/${GRAPH[dtype]}: runs: text encoder graph (${dtype})`,
      `${ROB}/config.json: runs: text encoder config`,
      `${ROB}/tokenizer.json: runs: text encoder tokenizer`,
      `${ROB}/tokenizer_config.json: runs: text encoder tokenizerConfig`,
      `${W2V}/${GRAPH[dtype]}: runs: audio encoder graph (${dtype})`,
      `${W2V}/vocab.json: runs: audio encoder vocab`,
      ...(training ? [`${W2V}/config.json: training only: audio encoder config`] : []),
      ...(head
        ? [
            `fixture-random/fixtures/heads/fixture/config.json: scores: config of the pair's emotion head`,
            `fixture-random/fixtures/heads/fixture/model.safetensors: scores: weights of the pair's emotion head`,
          ]
        : []),
    ].sort();
    expect(rows(ledger)).toEqual(want);
    expect(ledger.repeats()).toEqual([]);
    // The other precision's graphs are never asked for, and no URL is fetched twice.
    const other = dtype === 'q8' ? GRAPH.fp32 : GRAPH.q8;
    expect(urls.filter((u) => u.endsWith(other))).toEqual([]);
    expect(new Set(urls).size).toBe(urls.length);
    // The ledger sums what was served.
    const served = urls.reduce((s, u) => s + readFileSync(new URL(u)).byteLength, 0);
    expect(ledger.totalBytes).toBe(served);
    await pair.dispose();
  });

  it('moving the audio cut twice re-cuts the cached graph and downloads nothing', async () => {
    const { fetchImpl, urls } = countingFetch();
    const ledger = new FetchLedger();
    const ctx = encoderContext(manifestFor('q8', false), fetchImpl, ledger);
    const pair = await LoadedPair.load(ctx, 'fixture');
    const before = urls.length;
    // The fixture graph is cut below its top layer (k = 1): away, back, and away again.
    for (const k of [0, 1, 0]) {
      const layer = pair.trainingLayer(k);
      if (layer === null) throw new Error('no graph');
      expect(await pair.cutAt(layer, ledger.apply)).toBe(true);
      expect(pair.identity.hiddenStateLayer).toBe(layer);
    }
    expect(urls.slice(before)).toEqual([]);
    expect(ledger.repeats()).toEqual([]);
    await pair.dispose();
  });
});

describe('the byte ledger of a Recognizer load', () => {
  it('lists the embedded stand-in head beside the pair, and prints a table with the total', async () => {
    const ledger = new FetchLedger();
    const { fetchImpl } = countingFetch();
    const r = new Recognizer(nodePlatform({ store: new MemoryStore(), fetchImpl }));
    await r.load({ pair: 'fixture', manifestUrl: manifestPath, backend: 'auto', builtinHead: true }, ledger.apply);
    // The load returns with its encoders ready; the heads settle after it, and the head status waits for them.
    await r.headStatus();
    const heads = ledger.entries.filter((e) => e.why.kind === 'head').map((e) => `${e.model}: ${describeWhy(e.why)}`);
    expect(heads.sort()).toEqual([
      "fixture-random: scores: config of the pair's emotion head",
      "fixture-random: scores: weights of the pair's emotion head",
      'lite-ravdess8: scores: config of the embedded stand-in head',
      'lite-ravdess8: scores: weights of the embedded stand-in head',
    ]);
    // The shipped preference on this backend: q8, and only q8.
    expect(ledger.entries.filter((e) => e.why.kind === 'graph').map((e) => describeWhy(e.why))).toEqual([
      'runs: text encoder graph (q8)',
      'runs: audio encoder graph (q8)',
    ]);
    const table = ledgerTable(ledger.entries);
    expect(table[0]).toMatch(/^file\s+size\s+why$/);
    expect(table.at(-1)).toMatch(new RegExp(`^total\\s+[\\d.]+ MB\\s+${String(ledger.entries.length)} file\\(s\\)$`));
    await r.dispose();
  });
});

describe('downloads planned ahead of their readers', () => {
  it('the next graph downloads while the first one opens, and no file comes twice', async () => {
    const manifest = manifestFor('q8', true);
    const ledger = new FetchLedger();
    const log: string[] = [];
    const { fetchImpl, urls } = countingFetch();
    const logged: typeof fetch = (input, init) => {
      log.push(`fetch ${input instanceof Request ? input.url : input.toString()}`);
      return fetchImpl(input, init);
    };
    const base = encoderContext(manifest, logged, ledger);
    const ort = {
      ...base.ort,
      createSession: async (bytes: Uint8Array) => {
        log.push('open');
        const session = await base.ort.createSession(bytes);
        log.push('opened');
        return session;
      },
    };
    const ctx: EncoderContext = { ...base, ort };
    const { downloads, headComing } = await openLoadQueue(ctx, 'fixture', { builtin: true, headActive: false });
    expect(headComing).toBe(true);
    const entry = headsForPair(manifest, 'fixture')[0];
    if (entry === undefined) throw new Error('the manifest lists no fixture head');
    // Larger graph first (RoBERTa), then wav2vec2, then the head's weights: the order the load reads them.
    expect(downloads.planned.map((u) => u.slice(pathToFileURL(dir).href.length + 1))).toEqual([
      `fixtures/roberta-tiny/${GRAPH.q8}`,
      `fixtures/wav2vec2-tiny/${GRAPH.q8}`,
      'fixtures/heads/fixture/model.safetensors',
    ]);
    const pair = await LoadedPair.load({ ...ctx, downloads }, 'fixture');
    await fetchBuiltinHead({ ...ctx, downloads }, entry, 'pair');
    downloads.close();
    const w2v = log.findIndex((l) => l.startsWith('fetch') && l.endsWith(`wav2vec2-tiny/${GRAPH.q8}`));
    expect(w2v).toBeGreaterThan(-1);
    // Before the first session (RoBERTa's) had opened.
    expect(w2v).toBeLessThan(log.indexOf('opened'));
    expect(new Set(urls).size).toBe(urls.length);
    expect(ledger.repeats()).toEqual([]);
    await pair.dispose();
  });

  it('a cached graph is not planned', async () => {
    const manifest = manifestFor('q8', false);
    const ledger = new FetchLedger();
    const ctx = encoderContext(manifest, countingFetch().fetchImpl, ledger);
    const pair = await LoadedPair.load(ctx, 'fixture');
    await pair.dispose();
    const { downloads, headComing } = await openLoadQueue(ctx, 'fixture', { builtin: true, headActive: false });
    downloads.close();
    expect(downloads.planned).toEqual([]);
    expect(headComing).toBe(false);
  });

  it('a file that cannot be planned is left to its reader, and planning does not fail', async () => {
    // Relative model and head paths do not resolve against a blob: URL (a manifest handed over as a Blob).
    const ctx = encoderContext(manifestFor('q8', true), countingFetch().fetchImpl, new FetchLedger());
    const planned = await planPairDownloads({ ...ctx, manifestUrl: 'blob:nothing' }, 'fixture', {
      builtin: true,
      headActive: false,
    });
    expect(planned).toEqual([]);
  });
});

describe('a built-in head shipped in two files', () => {
  it('scoring leaves its training-only file on the server; a run fetches it, saying its size first', async () => {
    const manifest = manifestFor('q8', false);
    const entry = manifest.heads.find((h) => h.files.training !== undefined);
    const trainingRef = entry?.files.training;
    if (entry === undefined || trainingRef === undefined) throw new Error('no shipped head has a training file');
    const ledger = new FetchLedger();
    const { fetchImpl, urls } = countingFetch();
    const ctx = encoderContext(manifest, fetchImpl, ledger);
    const scoring = await fetchBuiltinHead(ctx, entry, 'pair');
    expect(scoring.training).toBeUndefined();
    expect(urls.filter((u) => u.endsWith(trainingRef.path))).toEqual([]);

    const said: TrainEvent[] = [];
    const report = downloadReporter((e) => said.push(e));
    const run = await builtinHeadById(ctx, entry.id, (p) => {
      report(p);
      ledger.apply(p);
    });
    expect(run.training?.byteLength).toBe(trainingRef.bytes);
    // Pinned files come from the cache the second time: only the training file is new.
    expect(said.map((e) => (e.kind === 'download' ? downloadNotice(e) : e.kind))).toEqual([
      `Downloading ${formatMB(trainingRef.bytes ?? 0)} for this run (${trainingRef.path}; training only: training-only weights of the head a training run starts from).`,
    ]);
    expect(urls.filter((u) => u.endsWith(trainingRef.path))).toHaveLength(1);
    expect(ledger.repeats()).toEqual([]);
  });
});
