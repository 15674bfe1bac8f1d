/**
 * `npm run mmer -- train|eval|predict`: the MMER head on dataset folders, with the same code as the page.
 *   train   --data DIR --encoders lite|base|fixture --out DIR [--val-speakers 13,14] [--labels a,b] [--epochs N]
 *           [--batch N] [--lr X] [--seed N] [--patience N] [--encoder-layers K] [--force]
 *   cv      --data DIR [--folds 4] [--epochs N]: leave-speakers-out cross-validation (mmer-cv.ts)
 *   eval    --head DIR --data DIR [--json] [--adapt-speakers]
 *   predict --head DIR [--json] [--adapt-speakers] FILE.wav...
 * --adapt-speakers normalises each speaker's utterance statistics by that speaker's clips (labels never read).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { AppError, toErrorInfo } from '../src/core/errors';
import { speakerSplit } from '../src/data/splits';
import { HEAD_CONFIG_FILE, type HeadManifest } from '../src/mmer/checkpoint';
import { loadHeadDir, saveHeadDir } from '../src/mmer/checkpoint-node';
import { validateConfig, type MmerConfig } from '../src/mmer/config';
import { initNodeEngine } from '../src/mmer/engine-node';
import { exposedLayer, initFromEncoder } from '../src/mmer/encoder-init';
import { defaultMemoryBudget, largestFittingBatch, stepShape } from '../src/mmer/memory-plan';
import { ctcVocab } from '../src/training/examples';
import { ParamStore } from '../src/mmer/params';
import { adaptExamples, prepareUtteranceRun } from '../src/mmer/speaker-adapt';
import type { ClipFeatures } from '../src/mmer/batch';
import { evaluate, fit, predict, type TrainExample } from '../src/mmer/trainer';
import { encodeAudio } from '../src/inference/analyse';
import { fitOptions, headConfig, headManifest, lossWeights } from '../src/training/head-config';
import { pairIdentity } from '../src/inference/head-target';
import { loadNodeAudioGraph, loadNodeEncoders, readNodeManifest } from '../src/inference/node';
import { MODEL_SOURCE_OPTIONS, MODEL_SOURCE_USAGE, modelSource } from './model-source';
import { specAugmentFor } from '../src/mmer/spec-augment';
import { rankScores } from '../src/mmer/ranking';
import { DEFAULT_TRAIN_SETTINGS } from '../src/training/train-settings';
import type { TrainSettings } from '../src/worker-api/training-protocol';
import { readClip } from './audio-file';
import { runMain } from './run';
import { averageDecay, checkTrainable, encodeRecords, lrDecay, readDataset } from './dataset';
import { cvCmd } from './mmer-cv';

const USAGE = `usage:
  npm run mmer -- train --data DIR --encoders lite|base|fixture --out DIR [--val-speakers S1,S2] [--labels a,b,...]
                        [--epochs N] [--batch N] [--lr X] [--seed N] [--patience N] [--encoder-layers K] [--force]
                        [--utterance-dropout X] [--lr-decay none|cosine] [--spec-augment] [--average-decay D]
                        (--val-speakers none: train on every clip, no validation)
  npm run mmer -- cv --data DIR [--encoders lite] [--folds 4] [--epochs N] [--out report.json] [--spec-augment]
                     [--profile-clips 4,8,16] [--lr-decay none|cosine] [--utterance-dropout X] [--augmented-examples] [--average-decay D]
  npm run mmer -- eval --head DIR --data DIR [--json] [--adapt-speakers]
  npm run mmer -- predict --head DIR [--json] [--adapt-speakers] FILE.wav...
every command also takes ${MODEL_SOURCE_USAGE}: another manifest.json, another host for its hub models`;

const warn = (line: string): void => void process.stderr.write(`warning: ${line}\n`);
const list = (s: string | undefined): string[] | null => (s === undefined ? null : s.split(',').map((x) => x.trim()).filter((x) => x.length > 0));

function num(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new AppError('bad-dataset', `--${name} must be a non-negative number (got "${value}").`);
  return n;
}

/**
 * Saves the trained head; if `out` cannot be written after all (disk full, permissions changed during a long run),
 * the head goes to a fresh folder under the system temp directory instead of being lost, and the user is told.
 */
async function saveOrRescue(out: string, manifest: HeadManifest, params: ParamStore, overwrite: boolean): Promise<string> {
  try {
    await saveHeadDir(out, manifest, params, { overwrite });
    return out;
  } catch (err) {
    const rescue = join(tmpdir(), `mmer-head-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    await saveHeadDir(rescue, manifest, params);
    warn(`could not save to ${out} (${toErrorInfo(err).message}); the trained head was saved to ${rescue} instead`);
    return rescue;
  }
}

/**
 * The default batch (16), lowered to what fits the engine's memory (tfjs-wasm's 4 GiB heap: a base-size head with
 * long clips fits fewer) and said so; an explicit --batch is left to `fit`, which refuses one that cannot fit.
 */
function defaultBatch(config: MmerConfig, examples: readonly TrainExample[], warn: (m: string) => void): number {
  const budget = defaultMemoryBudget();
  if (budget === null) return 16;
  const fits = largestFittingBatch(config, stepShape(examples, 16, lossWeights(DEFAULT_TRAIN_SETTINGS), 1), budget);
  if (fits < 16) warn(`batch ${String(Math.max(1, fits))} instead of 16: a larger one does not fit the engine's memory with these clips`);
  return Math.max(1, fits);
}

async function train(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' }, encoders: { type: 'string', default: 'lite' }, out: { type: 'string' }, 'val-speakers': { type: 'string' },
      labels: { type: 'string' }, epochs: { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' }, seed: { type: 'string' },
      'encoder-layers': { type: 'string' }, patience: { type: 'string' }, force: { type: 'boolean', default: false },
      'utterance-dropout': { type: 'string' }, 'lr-decay': { type: 'string', default: 'none' }, 'spec-augment': { type: 'boolean', default: false },
      'average-decay': { type: 'string' }, ...MODEL_SOURCE_OPTIONS,
    },
  });
  const source = modelSource(v);
  const decay = lrDecay(v['lr-decay']);
  const average = averageDecay(v['average-decay']);
  if (v.data === undefined || v.out === undefined) throw new AppError('bad-dataset', `train needs --data and --out.\n${USAGE}`);
  const seed = num(v.seed, 'seed', 0);
  // Refuse before hours of training, not after: an existing head is only replaced with --force.
  if (!v.force && existsSync(join(v.out, HEAD_CONFIG_FILE))) {
    throw new AppError('bad-dataset', `${v.out} already holds a trained head; choose another --out or pass --force to replace it.`);
  }
  // Missing parent folders are made now (and said), so a path that cannot be a folder fails before any training.
  const parent = dirname(resolve(v.out));
  const existing = statSync(parent, { throwIfNoEntry: false });
  if (existing === undefined) {
    try {
      mkdirSync(parent, { recursive: true });
    } catch (err) {
      throw new AppError('bad-dataset', `Cannot save to ${v.out}: the folder ${parent} cannot be made (${toErrorInfo(err).message}).`);
    }
    process.stderr.write(`created the folder ${parent}\n`);
  } else if (!existing.isDirectory()) {
    throw new AppError('bad-dataset', `Cannot save to ${v.out}: ${parent} is a file, not a folder.`);
  }
  const engine = await initNodeEngine();
  process.stderr.write(`engine: tfjs ${engine.backend}\n`);
  const { records, labels } = await readDataset(v.data, list(v.labels), warn);
  checkTrainable(v.data, records);
  const valSpeakers = list(v['val-speakers']);
  // `--val-speakers none` trains on every clip for a fixed number of epochs (chosen beforehand, e.g. by `cv`).
  const split =
    valSpeakers?.join() === 'none' ? { train: records, validation: [] } : speakerSplit(records, valSpeakers === null ? { seed } : { validationSpeakers: valSpeakers });
  const graph = await loadNodeAudioGraph({ pair: v.encoders, ...source });
  const encoderLayers = graph === null ? 0 : num(v['encoder-layers'], 'encoder-layers', 1);
  if (graph === null && v['encoder-layers'] !== undefined && encoderLayers !== 0) warn(`--encoder-layers is ignored: the ${v.encoders} audio encoder has no transformer layers`);
  const audioLayer = graph === null ? undefined : exposedLayer(encoderLayers, graph.entry.numLayers);
  const encoders = await loadNodeEncoders({ pair: v.encoders, audioLayer, ...source });
  const trainSet = await encodeRecords(v.data, split.train, labels, encoders, { augment: true, seed, label: 'encoding train' }, warn);
  const valSet = await encodeRecords(v.data, split.validation, labels, encoders, { augment: false, seed, label: 'encoding validation' }, warn);
  const first = trainSet.examples[0];
  if (first === undefined) throw new AppError('bad-dataset', 'No training clip could be read.');
  const featureSet = encoders.audio.utterance ?? null;
  const base = headConfig(labels, { audio: first.audio.dim, text: first.text.dim, utterance: featureSet !== null }, graph, encoderLayers);
  const run = prepareUtteranceRun(base, featureSet, trainSet.examples, trainSet.records.map((r) => r.speaker ?? ''), num(v['utterance-dropout'], 'utterance-dropout', 0.3));
  const config = run.config;
  validateConfig(config);
  const settings: TrainSettings = {
    ...DEFAULT_TRAIN_SETTINGS,
    headName: basename(resolve(v.out)),
    labels,
    epochs: num(v.epochs, 'epochs', 20),
    batchSize: v.batch === undefined ? defaultBatch(config, trainSet.examples, warn) : num(v.batch, 'batch', 16),
    learningRate: num(v.lr, 'lr', 1e-3),
    seed,
    patience: num(v.patience, 'patience', 10),
    encoderLayers,
    minClipsPerLabel: 1,
    lrDecay: decay,
  };
  const params = ParamStore.init(config, seed);
  if (graph !== null) {
    const init = initFromEncoder(params, graph.bytes, { numLayers: graph.entry.numLayers, layerScope: graph.entry.surgery.layerScope ?? '', headPrefix: graph.entry.surgery.headPrefix });
    process.stderr.write(`initialised ${encoderLayers} encoder layer(s)${init.ctcFromLmHead ? ' and the CTC head (lm_head)' : ''} from ${graph.entry.id}\n`);
  }
  const options = fitOptions(settings, run.train.length);
  let epochStart = performance.now();
  const result = await fit(params, config, run.train, valSet.examples, {
    ...options,
    specAugment: v['spec-augment'] ? specAugmentFor(encoders.audio, config.audioDim) : null,
    averageDecay: average,
    // A live step counter on a terminal; logs and pipes get one line per epoch.
    onStep: ({ epoch, step, steps, loss }) => {
      if (process.stderr.isTTY) process.stderr.write(`\repoch ${epoch}: step ${step}/${steps}, loss ${loss.total.toFixed(3)}  `);
    },
    onEpoch: ({ epoch, loss, validation }) => {
      if (process.stderr.isTTY) process.stderr.write('\r');
      const seconds = ((performance.now() - epochStart) / 1000).toFixed(0);
      epochStart = performance.now();
      const val = validation === null ? '' : ` | val UA ${(100 * validation.ua).toFixed(1)} WA ${(100 * validation.wa).toFixed(1)}`;
      process.stderr.write(`epoch ${epoch} (${seconds} s): loss ${loss.total.toFixed(3)} (ce ${loss.ce.toFixed(3)} ctc ${loss.ctc.toFixed(3)} supcon ${loss.supcon.toFixed(3)} acl ${loss.acl.toFixed(3)})${val}\n`);
    },
  });
  const identity = pairIdentity(await readNodeManifest(source), v.encoders);
  const best = result.bestValidation;
  const headManifestJson = headManifest({
    config,
    // The cut the head was trained on, which the CLI may have moved from the manifest's default (--encoder-layers).
    encoders: { ...identity, hiddenStateLayer: audioLayer ?? identity.hiddenStateLayer },
    vocab: ctcVocab(encoders),
    loss: options.loss,
    best: best === null ? null : { epoch: result.bestEpoch, metrics: best },
    settings,
    run: {
      trainClips: trainSet.examples.length,
      validationClips: valSet.examples.length,
      validationSpeakers: [...new Set(split.validation.map((r) => r.speaker))],
      engine: engine.backend,
    },
  });
  const savedTo = await saveOrRescue(v.out, headManifestJson, params, v.force);
  process.stdout.write(`saved ${savedTo} (best epoch ${result.bestEpoch}${best === null ? '' : `, validation UA ${(100 * best.ua).toFixed(1)} %, WA ${(100 * best.wa).toFixed(1)} %`})\n`);
  params.dispose();
  return 0;
}

async function evalCmd(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    options: { head: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean', default: false }, 'adapt-speakers': { type: 'boolean', default: false }, ...MODEL_SOURCE_OPTIONS },
  });
  if (v.head === undefined || v.data === undefined) throw new AppError('bad-dataset', `eval needs --head and --data.\n${USAGE}`);
  await initNodeEngine();
  const { manifest, params } = await loadHeadDir(v.head);
  // A folder may hold a subset of the head's labels: clips of other labels are reported and skipped.
  const { records, labels } = await readDataset(v.data, manifest.config.labels, warn);
  const encoders = await loadNodeEncoders({ pair: manifest.encoders.pair, audioLayer: manifest.encoders.hiddenStateLayer, ...modelSource(v) });
  const encoded = await encodeRecords(v.data, records, labels, encoders, { augment: false, seed: 0, label: 'encoding' }, warn);
  const examples = v['adapt-speakers'] ? adaptedToSpeakers(manifest.config, encoded.examples, encoded.records.map((r) => r.speaker)) : encoded.examples;
  const m = await evaluate(params, manifest.config, examples);
  const report = { clips: m.count, adapted: v['adapt-speakers'], ua: m.ua, wa: m.wa, macroF1: m.macroF1, labels, recall: m.recall, confusion: m.confusion };
  if (v.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    process.stdout.write(`clips ${m.count}  UA ${(100 * m.ua).toFixed(1)} %  WA ${(100 * m.wa).toFixed(1)} %  macro-F1 ${(100 * m.macroF1).toFixed(1)} %\n`);
    labels.forEach((l, i) => process.stdout.write(`  ${l.padEnd(12)} recall ${m.recall[i] === null ? '  n/a' : `${(100 * (m.recall[i] ?? 0)).toFixed(1)} %`}  ${(m.confusion[i] ?? []).join(' ')}\n`));
  }
  params.dispose();
  return 0;
}

async function predictCmd(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { head: { type: 'string' }, json: { type: 'boolean', default: false }, 'adapt-speakers': { type: 'boolean', default: false }, ...MODEL_SOURCE_OPTIONS },
  });
  if (v.head === undefined || positionals.length === 0) throw new AppError('bad-dataset', `predict needs --head and at least one file.\n${USAGE}`);
  await initNodeEngine();
  const { manifest, params } = await loadHeadDir(v.head);
  const encoders = await loadNodeEncoders({ pair: manifest.encoders.pair, audioLayer: manifest.encoders.hiddenStateLayer, ...modelSource(v) });
  let failures = 0;
  const results: { file: string; scores?: { label: string; score: number }[]; error?: { code: string; message: string } }[] = [];
  const features = new Map<string, ClipFeatures | AppError>();
  for (const file of positionals) {
    try {
      const audio = await encodeAudio(encoders.audio, await readClip(file));
      const text = await encoders.text.encode(audio.transcript ?? '');
      features.set(file, { audio: audio.hidden, text: text.hidden });
    } catch (err) {
      features.set(file, err instanceof AppError ? err : new AppError('internal', toErrorInfo(err).message));
    }
  }
  // With --adapt-speakers, the files of one folder are taken as one speaker's clips (RAVDESS's Actor_XX folders).
  const ok = positionals.filter((f) => !(features.get(f) instanceof AppError));
  const adapted = v['adapt-speakers'] ? adaptedToSpeakers(manifest.config, ok.map((f) => features.get(f) as ClipFeatures), ok.map((f) => dirname(resolve(f)))) : null;
  for (const file of positionals) {
    try {
      const f = features.get(file);
      if (f instanceof AppError || f === undefined) throw f ?? new AppError('internal', `no features for ${file}`);
      const [p] = await predict(params, manifest.config, [adapted?.[ok.indexOf(file)] ?? f]);
      if (p === undefined) throw new AppError('internal', `The head gave no result for ${file}.`);
      const ranked = rankScores(manifest.config.labels, p.scores);
      results.push({ file, scores: ranked });
      if (!v.json) process.stdout.write(`${file}\t${ranked.map((r) => `${r.label} ${r.score.toFixed(3)}`).join('  ')}\n`);
    } catch (err) {
      failures += 1;
      const info = toErrorInfo(err);
      results.push({ file, error: info });
      if (!v.json) process.stdout.write(`${file}\tERROR ${info.code}: ${info.message}\n`);
    }
  }
  if (v.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  params.dispose();
  return failures === 0 ? 0 : 1;
}

/** Clips with their speaker's profile applied; refused for a head that has no utterance statistics to adapt. */
function adaptedToSpeakers<T extends ClipFeatures>(config: MmerConfig, clips: readonly T[], speakers: readonly (string | null)[]): T[] {
  if (config.utterance === undefined) throw new AppError('bad-dataset', '--adapt-speakers needs a head trained on utterance statistics (the lite pair\'s); this head has none.');
  if (speakers.some((s) => s === null)) throw new AppError('bad-dataset', '--adapt-speakers needs a speaker (or actor) column in metadata.csv.');
  return adaptExamples(clips, speakers.map((s) => s ?? ''), config.utterance.dim);
}

async function main(): Promise<number> {
  tf.enableProdMode();
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'train') return train(rest);
  if (command === 'eval') return evalCmd(rest);
  if (command === 'predict') return predictCmd(rest);
  if (command === 'cv') return cvCmd(rest, warn);
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

runMain(main);
