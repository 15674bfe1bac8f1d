/**
 * The graphs every case runs: the full-size random-weight fixtures of `npm run fixtures -- --size base` (fp32 and
 * int8 by default, fp16 on request), or the tiny test fixtures with `--quick`. A bench manifest reuses the production entries of
 * public/models/manifest.json (same inputs, outputs and graph surgery) with the weights swapped for the local files,
 * so the pipeline under test is exactly the shipped one.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { HEAD_CONFIG_FILE, HEAD_WEIGHTS_FILE, type HeadManifest } from '../../src/mmer/checkpoint';
import { HEAD_TRAINING_FILE } from '../../src/mmer/head-split';
import { DEFAULT_CONFIG } from '../../src/mmer/config';
import type { StoredDtype } from '../../src/mmer/safetensors';
import { DEFAULT_LOSS } from '../../src/mmer/trainer';
import { pairIdentity } from '../../src/inference/head-target';
import { parseManifest } from '../../src/runtime/manifest-parse';
import type { Dtype } from '../../src/runtime/runtime-types';
import { fixtureHeadConfig, fixtureHeadManifest, randomHeadFiles } from '../../tools/fixtures/head';

/** Repository root. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Scratch space (git-ignored). */
export const TMP = join(REPO, 'bench', 'results', 'tmp');

/** One model set under test. */
export interface ModelSet {
  /** Pair name in the bench manifest. */
  readonly pair: string;
  readonly dtype: Dtype;
  /** Folder of the wav2vec2 fixture (config, vocab, onnx/). */
  readonly wav2vec2Dir: string;
  /** File name of the graph inside `onnx/`. */
  readonly wav2vec2File: string;
  readonly robertaDir: string;
  readonly robertaFile: string;
}

/** File names of the graphs per dtype, as the hub names them (the manifest's `weights` paths). */
export const DTYPE_FILES: Readonly<Record<Dtype, string>> = {
  fp32: 'model.onnx',
  q8: 'model_quantized.onnx',
  fp16: 'model_fp16.onnx',
};

/** Dtypes measured unless `--dtypes` says otherwise: the WASM backend's two (fp16 is WebGPU's). */
export const DEFAULT_BENCH_DTYPES: readonly Dtype[] = ['fp32', 'q8'];

/**
 * The model sets a run uses: the base fixtures of each of `dtypes` (whichever exist), or the tiny fp32 fixtures for
 * `--quick` (the tiny set has no other dtype on disk).
 */
export function modelSets(quick: boolean, dtypes: readonly Dtype[] = DEFAULT_BENCH_DTYPES): ModelSet[] {
  const root = quick ? join(REPO, 'public', 'models', 'fixtures') : join(REPO, '.cache', 'fixtures');
  const [w, r] = quick ? ['wav2vec2-tiny', 'roberta-tiny'] : ['wav2vec2-base-random', 'roberta-base-random'];
  const sets: ModelSet[] = [];
  for (const dtype of quick ? (['fp32'] as const) : dtypes) {
    const set = {
      pair: `bench-${quick ? 'tiny' : 'base'}-${dtype}`,
      dtype,
      wav2vec2Dir: join(root, w),
      wav2vec2File: DTYPE_FILES[dtype],
      robertaDir: join(root, r),
      robertaFile: DTYPE_FILES[dtype],
    };
    if (
      existsSync(join(set.wav2vec2Dir, 'onnx', set.wav2vec2File)) &&
      existsSync(join(set.robertaDir, 'onnx', set.robertaFile))
    )
      sets.push(set);
  }
  if (sets.length === 0) {
    throw new Error(
      quick
        ? 'tiny fixtures missing: run `npm run fixtures`'
        : 'base fixtures missing: run `npm run fixtures -- --size base`',
    );
  }
  return sets;
}

type Json = Record<string, unknown>;

/**
 * Writes bench/results/tmp/manifest.json: one pair per model set, its entries copied from the production ones
 * (`wav2vec2-base-960h`, `roberta-base`, or the tiny fixtures' for `--quick`) with local weights. Returns its path.
 * Local paths are relative to the manifest, so the same file works from disk (Node) and over HTTP (the browser case,
 * served from the repository root).
 */
export function writeBenchManifest(sets: readonly ModelSet[], quick: boolean): string {
  const prod = JSON.parse(readFileSync(join(REPO, 'public', 'models', 'manifest.json'), 'utf8')) as Json & {
    models: Json[];
  };
  const [audioId, textId] = quick
    ? ['wav2vec2-tiny-fixture', 'roberta-tiny-fixture']
    : ['wav2vec2-base-960h', 'roberta-base'];
  const base = (id: string): Json => {
    const m = prod.models.find((e) => e.id === id);
    if (m === undefined) throw new Error(`${id} is not in public/models/manifest.json`);
    return m;
  };
  const models: Json[] = [];
  const pairs: Record<string, Json> = {};
  for (const s of sets) {
    const entry = (id: string, dir: string, file: string): Json => ({
      ...base(id),
      id: `${s.pair}-${id}`,
      source: { type: 'local', path: relative(TMP, dir) },
      // One dtype per entry: the pipeline then runs the precision named, whatever the backend would prefer. The size
      // is stated as the shipped manifest states the hub files' (`downloadBytes`): the loader plans downloads by it.
      weights: { [s.dtype]: { path: `onnx/${file}`, downloadBytes: statSync(join(dir, 'onnx', file)).size } },
    });
    models.push(entry(audioId, s.wav2vec2Dir, s.wav2vec2File), entry(textId, s.robertaDir, s.robertaFile));
    pairs[s.pair] = { audio: `${s.pair}-${audioId}`, text: `${s.pair}-${textId}`, description: `benchmark ${s.dtype}` };
  }
  const manifest = { ...prod, defaultPair: sets[0]?.pair, models, pairs, heads: [] };
  mkdirSync(TMP, { recursive: true });
  const path = join(TMP, 'manifest.json');
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
  return path;
}

/**
 * A folder transformers.js can load the wav2vec2 graph from (bench/results/tmp/tjs/<name>/): links to the fixture's
 * files plus a `tokenizer.json`, which transformers.js requires and the fixtures (like our pipeline) do without.
 * Returns the model name under `tmp/tjs/`.
 */
export function prepareTransformersJsModel(set: ModelSet): string {
  const name = `${set.pair}-wav2vec2`;
  const dir = join(TMP, 'tjs', name);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const link = (from: string, to: string): void => {
    if (!existsSync(to)) symlinkSync(from, to);
  };
  for (const f of ['config.json', 'preprocessor_config.json', 'tokenizer_config.json', 'vocab.json'])
    link(join(set.wav2vec2Dir, f), join(dir, f));
  // transformers.js names graphs by dtype; serve the same file under every name so any request finds it.
  for (const f of Object.values(DTYPE_FILES))
    link(join(set.wav2vec2Dir, 'onnx', set.wav2vec2File), join(dir, 'onnx', f));
  const vocab = JSON.parse(readFileSync(join(set.wav2vec2Dir, 'vocab.json'), 'utf8')) as Record<string, number>;
  const specials = ['<pad>', '<s>', '</s>', '<unk>'];
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => ({
      id: vocab[content],
      content,
      single_word: false,
      lstrip: true,
      rstrip: true,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    // CTC decoding: collapse repeats, drop <pad>, '|' becomes a space (as the hub's wav2vec2 tokenizer.json does).
    decoder: { type: 'CTC', pad_token: '<pad>', word_delimiter_token: '|', cleanup: true },
    model: {
      type: 'WordPiece',
      vocab,
      unk_token: '<unk>',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
    },
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  return name;
}

/** Folder of a pair's bench head, relative to the bench manifest. */
export const benchHeadFolder = (pair: string): string => `heads/${pair}`;

/**
 * How a bench pair's head stores its weights, as that precision's head would be shipped: int8 matrices with the int8
 * graphs (`npm run ship-head -- --weights q8`: a quarter of float32's bytes), float16 with the others (half), and
 * float32 for the tiny `--quick` head (a few hundred KB; nothing to save).
 */
export function benchHeadWeights(dtype: Dtype, quick: boolean): StoredDtype {
  if (quick) return 'F32';
  return dtype === 'q8' ? 'Q8' : 'F16';
}

/**
 * Gives every pair of the bench manifest (one per model set of `sets`) a random-weight emotion head (default MMER
 * dimensions on the base graphs, the fixture head's on the tiny ones), stored as `benchHeadWeights` says, so case 1
 * times transcript + emotion, as the app runs it. The worker loads a pair's first manifest head at start-up; the
 * native case reads the same files. Random weights cost what trained ones do.
 */
export async function addBenchHeads(manifestPath: string, sets: readonly ModelSet[], quick: boolean): Promise<void> {
  // Whichever backend registered first (the bench's engine registers wasm too) must finish starting before use.
  await tf.ready();
  const json = JSON.parse(readFileSync(manifestPath, 'utf8')) as Json & { pairs: Record<string, Json> };
  const manifest = parseManifest(json);
  const dtypes = new Map(sets.map((s) => [s.pair, s.dtype]));
  const heads: Json[] = [];
  for (const pair of Object.keys(json.pairs)) {
    const dtype = dtypes.get(pair);
    if (dtype === undefined) throw new Error(`bench pair ${pair} has no model set`);
    const head: HeadManifest = {
      ...fixtureHeadManifest(),
      config: quick ? fixtureHeadConfig() : DEFAULT_CONFIG,
      encoders: pairIdentity(manifest, pair),
      loss: DEFAULT_LOSS,
      training: { description: 'random-weight benchmark head', seed: 7, epochs: 0 },
    };
    const pinned = new Map<string, Json>();
    for (const f of await randomHeadFiles(head, 7, benchHeadFolder(pair), benchHeadWeights(dtype, quick), true)) {
      mkdirSync(dirname(join(TMP, f.path)), { recursive: true });
      writeFileSync(join(TMP, f.path), f.bytes);
      // Pinned, as a shipped head would be: the worker caches pinned head files only, so a warm load reads them back.
      pinned.set(f.path, {
        path: f.path,
        sha256: createHash('sha256').update(f.bytes).digest('hex'),
        bytes: f.bytes.byteLength,
      });
    }
    const ref = (file: string): Json =>
      pinned.get(`${benchHeadFolder(pair)}/${file}`) ?? { path: `${benchHeadFolder(pair)}/${file}` };
    heads.push({
      id: `${pair}-head`,
      pair,
      description: 'random-weight benchmark head (default MMER dimensions)',
      // Split as a shipped head is: the training-only parameters are fetched by a training run alone.
      files: { config: ref(HEAD_CONFIG_FILE), weights: ref(HEAD_WEIGHTS_FILE), training: ref(HEAD_TRAINING_FILE) },
    });
  }
  writeFileSync(manifestPath, `${JSON.stringify({ ...json, heads }, null, 2)}\n`);
}
