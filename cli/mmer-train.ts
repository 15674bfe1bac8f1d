/** `npm run mmer -- train`: trains a head on a dataset folder with the trainer the page uses, and saves it. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AppError, toErrorInfo } from '../src/core/errors';
import { speakerSplit } from '../src/data/splits';
import { HEAD_CONFIG_FILE, type HeadManifest } from '../src/mmer/checkpoint';
import { saveHeadDir } from '../src/mmer/checkpoint-node';
import type { MmerConfig } from '../src/mmer/config';
import { initNodeEngine } from '../src/mmer/engine-node';
import { exposedLayer } from '../src/mmer/encoder-init';
import { defaultMemoryBudget, largestFittingBatch, stepShape } from '../src/mmer/memory-plan';
import { ParamStore } from '../src/mmer/params';
import { specAugmentFor } from '../src/mmer/spec-augment';
import { fit, type TrainExample } from '../src/mmer/trainer';
import { pairIdentity } from '../src/inference/head-target';
import { loadNodeAudioGraph, loadNodeEncoders, readNodeManifest } from '../src/inference/node';
import { ctcVocab } from '../src/training/examples';
import { fitOptions, headManifest, lossWeights } from '../src/training/head-config';
import { newHead } from '../src/training/new-head';
import { DEFAULT_TRAIN_SETTINGS } from '../src/training/train-settings';
import type { TrainSettings } from '../src/worker-api/training-protocol';
import { averageDecay, checkTrainable, encodeRecords, lrDecay, readDataset } from './dataset';
import { list, num, USAGE, warn } from './mmer-args';
import { MODEL_SOURCE_OPTIONS, modelSource } from './model-source';

/**
 * Saves the trained head; if `out` cannot be written after all (disk full, permissions changed during a long run),
 * the head goes to a fresh folder under the system temp directory instead of being lost, and the user is told.
 */
async function saveOrRescue(
  out: string,
  manifest: HeadManifest,
  params: ParamStore,
  overwrite: boolean,
): Promise<string> {
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
  if (fits < 16)
    warn(
      `batch ${String(Math.max(1, fits))} instead of 16: a larger one does not fit the engine's memory with these clips`,
    );
  return Math.max(1, fits);
}

/** Runs `train` with its arguments; resolves to the exit code. */
export async function trainCmd(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      encoders: { type: 'string', default: 'lite' },
      out: { type: 'string' },
      'val-speakers': { type: 'string' },
      labels: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      threads: { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      'encoder-layers': { type: 'string' },
      patience: { type: 'string' },
      force: { type: 'boolean', default: false },
      'utterance-dropout': { type: 'string' },
      'lr-decay': { type: 'string', default: 'none' },
      'spec-augment': { type: 'boolean', default: false },
      'average-decay': { type: 'string' },
      ...MODEL_SOURCE_OPTIONS,
    },
  });
  const source = modelSource(v);
  const decay = lrDecay(v['lr-decay']);
  const average = averageDecay(v['average-decay']);
  if (v.data === undefined || v.out === undefined)
    throw new AppError('bad-dataset', `train needs --data and --out.\n${USAGE}`);
  const seed = num(v.seed, 'seed', 0);
  // Refuse before hours of training, not after: an existing head is only replaced with --force.
  if (!v.force && existsSync(join(v.out, HEAD_CONFIG_FILE))) {
    throw new AppError(
      'bad-dataset',
      `${v.out} already holds a trained head; choose another --out or pass --force to replace it.`,
    );
  }
  // Missing parent folders are made now (and said), so a path that cannot be a folder fails before any training.
  const parent = dirname(resolve(v.out));
  const existing = statSync(parent, { throwIfNoEntry: false });
  if (existing === undefined) {
    try {
      mkdirSync(parent, { recursive: true });
    } catch (err) {
      throw new AppError(
        'bad-dataset',
        `Cannot save to ${v.out}: the folder ${parent} cannot be made (${toErrorInfo(err).message}).`,
      );
    }
    process.stderr.write(`created the folder ${parent}\n`);
  } else if (!existing.isDirectory()) {
    throw new AppError('bad-dataset', `Cannot save to ${v.out}: ${parent} is a file, not a folder.`);
  }
  // One thread unless asked: a second one only pays where a core is free for it (docs/decisions.md).
  const engine = await initNodeEngine(undefined, { threads: num(v.threads, 'threads', 1) });
  process.stderr.write(`engine: tfjs ${engine.backend}, ${String(engine.threads)} thread(s)\n`);
  const { records, labels } = await readDataset(v.data, list(v.labels), warn);
  checkTrainable(v.data, records);
  const valSpeakers = list(v['val-speakers']);
  // `--val-speakers none` trains on every clip for a fixed number of epochs (chosen beforehand, e.g. by `cv`).
  const split =
    valSpeakers?.join() === 'none'
      ? { train: records, validation: [] }
      : speakerSplit(records, valSpeakers === null ? { seed } : { validationSpeakers: valSpeakers });
  const graph = await loadNodeAudioGraph({ pair: v.encoders, ...source });
  const encoderLayers = graph === null ? 0 : num(v['encoder-layers'], 'encoder-layers', 1);
  if (graph === null && v['encoder-layers'] !== undefined && encoderLayers !== 0)
    warn(`--encoder-layers is ignored: the ${v.encoders} audio encoder has no transformer layers`);
  const audioLayer = graph === null ? undefined : exposedLayer(encoderLayers, graph.entry.numLayers);
  const encoders = await loadNodeEncoders({ pair: v.encoders, audioLayer, ...source });
  const trainSet = await encodeRecords(
    v.data,
    split.train,
    labels,
    encoders,
    { augment: true, seed, label: 'encoding train' },
    warn,
  );
  const valSet = await encodeRecords(
    v.data,
    split.validation,
    labels,
    encoders,
    { augment: false, seed, label: 'encoding validation' },
    warn,
  );
  const first = trainSet.examples[0];
  if (first === undefined) throw new AppError('bad-dataset', 'No training clip could be read.');
  const head = newHead({
    labels,
    dims: { audio: first.audio.dim, text: first.text.dim },
    featureSet: encoders.audio.utterance ?? null,
    graph,
    encoderLayers,
    train: trainSet.examples,
    speakers: trainSet.records.map((r) => r.speaker ?? ''),
    utteranceDropout: num(v['utterance-dropout'], 'utterance-dropout', 0.3),
    seed,
  });
  const { config, params } = head;
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
  if (graph !== null)
    process.stderr.write(
      `initialised ${encoderLayers} encoder layer(s)${head.ctcFromLmHead ? ' and the CTC head (lm_head)' : ''} from ${graph.entry.id}\n`,
    );
  const options = fitOptions(settings, head.train.length);
  let epochStart = performance.now();
  const result = await fit(params, config, head.train, valSet.examples, {
    ...options,
    specAugment: v['spec-augment'] ? specAugmentFor(encoders.audio, config.audioDim) : null,
    averageDecay: average,
    // A live step counter on a terminal; logs and pipes get one line per epoch.
    onStep: ({ epoch, step, steps, loss }) => {
      if (process.stderr.isTTY)
        process.stderr.write(`\repoch ${epoch}: step ${step}/${steps}, loss ${loss.total.toFixed(3)}  `);
    },
    onEpoch: ({ epoch, loss, validation }) => {
      if (process.stderr.isTTY) process.stderr.write('\r');
      const seconds = ((performance.now() - epochStart) / 1000).toFixed(0);
      epochStart = performance.now();
      const val =
        validation === null
          ? ''
          : ` | val UA ${(100 * validation.ua).toFixed(1)} WA ${(100 * validation.wa).toFixed(1)}`;
      process.stderr.write(
        `epoch ${epoch} (${seconds} s): loss ${loss.total.toFixed(3)} (ce ${loss.ce.toFixed(3)} ctc ${loss.ctc.toFixed(3)} supcon ${loss.supcon.toFixed(3)} acl ${loss.acl.toFixed(3)})${val}\n`,
      );
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
  process.stdout.write(
    `saved ${savedTo} (best epoch ${result.bestEpoch}${best === null ? '' : `, validation UA ${(100 * best.ua).toFixed(1)} %, WA ${(100 * best.wa).toFixed(1)} %`})\n`,
  );
  params.dispose();
  return 0;
}
