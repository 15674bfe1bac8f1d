/**
 * `npm run mmer -- cv`: leave-speakers-out cross-validation of the head a pair trains. The speakers are cut into
 * folds; each fold is held out once while the head trains on the others for a fixed number of epochs, and every
 * epoch is scored on the held-out speakers with and without speaker adaptation. No early stopping and no epoch
 * chosen per fold: the epoch count is chosen from the mean over folds, which is what `train` then uses on all
 * speakers. The clips are encoded once for all folds.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { AppError } from '../src/core/errors';
import type { ClipRecord } from '../src/data/metadata';
import { validateConfig } from '../src/mmer/config';
import { initNodeEngine } from '../src/mmer/engine-node';
import type { ClassMetrics } from '../src/mmer/metrics';
import { ParamStore } from '../src/mmer/params';
import { specAugmentFor } from '../src/mmer/spec-augment';
import { adaptExamples, prepareUtteranceRun } from '../src/mmer/speaker-adapt';
import { evaluate, fit, type TrainExample } from '../src/mmer/trainer';
import { fitOptions, headConfig } from '../src/training/head-config';
import { loadNodeEncoders } from '../src/inference/node';
import { MODEL_SOURCE_OPTIONS, modelSource } from './model-source';
import { DEFAULT_TRAIN_SETTINGS } from '../src/training/train-settings';
import { averageDecay, checkTrainable, encodeRecords, lrDecay, readDataset } from './dataset';
import { fewClipProfiles, meanSd, pooled, speakerFolds, withViewsAsExamples } from './cv-folds';

/** Scores of one fold at one epoch. */
interface FoldEpoch {
  readonly epoch: number;
  readonly plain: ClassMetrics;
  readonly adapted: ClassMetrics | null;
  /** UA adapted with profiles from only k clips of each held-out speaker (`--profile-clips`), by k. */
  readonly fewClips: Readonly<Record<string, number>>;
}

const pct = (x: number): string => (100 * x).toFixed(1);

/** Runs the command; returns the exit code. */
export async function cvCmd(argv: string[], warn: (line: string) => void): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      encoders: { type: 'string', default: 'lite' },
      folds: { type: 'string', default: '4' },
      labels: { type: 'string' },
      epochs: { type: 'string', default: '30' },
      batch: { type: 'string', default: '16' },
      lr: { type: 'string', default: '0.001' },
      seed: { type: 'string', default: '0' },
      'utterance-dropout': { type: 'string', default: '0.3' },
      out: { type: 'string' },
      'spec-augment': { type: 'boolean', default: false },
      'profile-clips': { type: 'string' },
      'lr-decay': { type: 'string', default: 'none' },
      'augmented-examples': { type: 'boolean', default: false },
      'average-decay': { type: 'string' },
      ...MODEL_SOURCE_OPTIONS,
    },
  });
  if (v.data === undefined) throw new AppError('bad-dataset', 'cv needs --data.');
  const n = (s: string, name: string): number => {
    const x = Number(s);
    if (!Number.isFinite(x) || x < 0)
      throw new AppError('bad-dataset', `--${name} must be a non-negative number (got "${s}").`);
    return x;
  };
  const engine = await initNodeEngine();
  const { records, labels } = await readDataset(v.data, v.labels?.split(',') ?? null, warn);
  checkTrainable(v.data, records);
  if (records.some((r) => r.speaker === null))
    throw new AppError('bad-dataset', 'Cross-validation needs a speaker (or actor) for every clip.');
  const folds = speakerFolds(
    records.map((r) => r.speaker ?? ''),
    n(v.folds, 'folds'),
  );
  const seed = n(v.seed, 'seed');
  const profileClips = (v['profile-clips'] ?? '')
    .split(',')
    .filter((x) => x !== '')
    .map((x) => n(x, 'profile-clips'));
  const encoders = await loadNodeEncoders({ pair: v.encoders, ...modelSource(v) });
  const featureSet = encoders.audio.utterance ?? null;
  const t0 = performance.now();
  const all = await encodeRecords(v.data, records, labels, encoders, { augment: true, seed, label: 'encoding' }, warn);
  const encodeS = (performance.now() - t0) / 1000;
  const kept: readonly ClipRecord[] = all.records;
  const speakerOf = kept.map((r) => r.speaker ?? '');
  const settings = {
    ...DEFAULT_TRAIN_SETTINGS,
    labels,
    epochs: n(v.epochs, 'epochs'),
    batchSize: n(v.batch, 'batch'),
    learningRate: n(v.lr, 'lr'),
    seed,
    patience: 0,
    lrDecay: lrDecay(v['lr-decay']),
  };
  const perFold: { speakers: string[]; epochs: FoldEpoch[]; seconds: number }[] = [];
  for (const [fi, held] of folds.entries()) {
    const isHeld = speakerOf.map((s) => held.includes(s));
    const pick = <T>(xs: readonly T[], want: boolean): T[] => xs.filter((_, i) => isHeld[i] === want);
    const trainEx: TrainExample[] = pick(all.examples, false);
    // Validation clips are scored on their original view only.
    const valEx: TrainExample[] = pick(all.examples, true).map((e) => ({ ...e, augmented: null }));
    const valSpeakers = pick(speakerOf, true);
    const first = trainEx[0];
    if (first === undefined) throw new AppError('bad-dataset', `Fold ${fi + 1} leaves no training clip.`);
    const base = headConfig(
      labels,
      { audio: first.audio.dim, text: first.text.dim, utterance: featureSet !== null },
      null,
      0,
    );
    const run = prepareUtteranceRun(
      base,
      featureSet,
      trainEx,
      pick(speakerOf, false),
      n(v['utterance-dropout'], 'utterance-dropout'),
    );
    validateConfig(run.config);
    const adaptedVal = featureSet === null ? null : adaptExamples(valEx, valSpeakers, featureSet.dim);
    const fewClipVal =
      featureSet === null
        ? []
        : profileClips.map(
            (k) =>
              [
                k,
                adaptExamples(
                  valEx,
                  valSpeakers,
                  featureSet.dim,
                  fewClipProfiles(valEx, valSpeakers, featureSet.dim, k, seed + k),
                ),
              ] as const,
          );
    const params = ParamStore.init(run.config, seed);
    const epochs: FoldEpoch[] = [];
    const f0 = performance.now();
    // --augmented-examples: each clip's augmented view also trains the classifier as a labelled clip of its own.
    const trainSet = v['augmented-examples'] ? withViewsAsExamples(run.train) : run.train;
    await fit(params, run.config, trainSet, valEx, {
      ...fitOptions(settings, trainSet.length),
      specAugment: v['spec-augment'] ? specAugmentFor(encoders.audio, first.audio.dim) : null,
      averageDecay: averageDecay(v['average-decay']),
      onEpochEnd: async ({ epoch, history }) => {
        const plain = history.at(-1)?.validation;
        if (plain === null || plain === undefined) return;
        const adapted = adaptedVal === null ? null : await evaluate(params, run.config, adaptedVal);
        const fewClips: Record<string, number> = {};
        for (const [k, examples] of fewClipVal) fewClips[String(k)] = (await evaluate(params, run.config, examples)).ua;
        epochs.push({ epoch, plain, adapted, fewClips });
        warn(
          `fold ${fi + 1} [${held.join(',')}] epoch ${epoch}: UA ${pct(plain.ua)}${adapted === null ? '' : `, adapted ${pct(adapted.ua)}`}${Object.entries(
            fewClips,
          )
            .map(([k, ua]) => `, from ${k} clips ${pct(ua)}`)
            .join('')}`,
        );
      },
    });
    params.dispose();
    perFold.push({ speakers: held, epochs, seconds: (performance.now() - f0) / 1000 });
  }
  const nEpochs = Math.min(...perFold.map((f) => f.epochs.length));
  const curve = Array.from({ length: nEpochs }, (_, e) => ({
    epoch: e + 1,
    plain: meanSd(perFold.map((f) => f.epochs[e]?.plain.ua ?? 0)),
    adapted: featureSet === null ? null : meanSd(perFold.map((f) => f.epochs[e]?.adapted?.ua ?? 0)),
  }));
  const bestIdx = curve.reduce((b, c, i) => (c.plain.mean > (curve[b]?.plain.mean ?? -1) ? i : b), 0);
  const at = (kind: 'plain' | 'adapted'): ClassMetrics[] =>
    perFold.map((f) => f.epochs[bestIdx]?.[kind]).filter((m): m is ClassMetrics => m !== null && m !== undefined);
  const report = {
    command: `npm run mmer -- cv ${argv.join(' ')}`,
    /** The settings `mmer train` needs to train the same head on every speaker (tools/ship-head.ts passes them on). */
    recipe: {
      lr: settings.learningRate,
      batch: settings.batchSize,
      utteranceDropout: n(v['utterance-dropout'], 'utterance-dropout'),
      specAugment: v['spec-augment'],
      lrDecay: settings.lrDecay,
      augmentedExamples: v['augmented-examples'],
      averageDecay: averageDecay(v['average-decay']),
    },
    engine: engine.backend,
    clips: kept.length,
    labels,
    folds: folds.map((f) => f.join(',')),
    encodeSeconds: encodeS,
    foldSeconds: perFold.map((f) => f.seconds),
    chosenEpochs: bestIdx + 1,
    plain: {
      perFold: at('plain').map((m) => m.ua),
      ...meanSd(at('plain').map((m) => m.ua)),
      waMean: meanSd(at('plain').map((m) => m.wa)).mean,
      pooled: pooled(at('plain'), labels),
    },
    adapted:
      featureSet === null
        ? null
        : {
            perFold: at('adapted').map((m) => m.ua),
            ...meanSd(at('adapted').map((m) => m.ua)),
            waMean: meanSd(at('adapted').map((m) => m.wa)).mean,
            pooled: pooled(at('adapted'), labels),
          },
    fewClips: Object.fromEntries(
      profileClips.map((k) => [
        String(k),
        {
          perFold: perFold.map((f) => f.epochs[bestIdx]?.fewClips[String(k)] ?? 0),
          ...meanSd(perFold.map((f) => f.epochs[bestIdx]?.fewClips[String(k)] ?? 0)),
        },
      ]),
    ),
    curve,
  };
  if (v.out !== undefined) await writeFile(v.out, `${JSON.stringify(report, null, 2)}\n`);
  const line = (name: string, r: typeof report.plain | null): string =>
    r === null
      ? ''
      : `${name}: UA ${pct(r.mean)} ± ${pct(r.sd)} [${pct(r.min)}-${pct(r.max)}] per fold ${r.perFold.map(pct).join(' ')}, WA ${pct(r.waMean)}\n`;
  const few = Object.entries(report.fewClips).map(
    ([k, r]) => `adapted from ${k} clips per speaker: UA ${pct(r.mean)} ± ${pct(r.sd)}\n`,
  );
  process.stdout.write(
    `${kept.length} clips, ${folds.length} folds, best mean UA after ${bestIdx + 1} epochs\n${line('without adaptation', report.plain)}${line('with speaker adaptation', report.adapted)}${few.join('')}`,
  );
  return 0;
}
