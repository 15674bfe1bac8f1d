/** `npm run mmer -- eval|predict`: a trained head on a dataset folder or on single files. */
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AppError, toErrorInfo } from '../src/core/errors';
import type { ClipFeatures } from '../src/mmer/batch';
import { decodeCheckpoint } from '../src/mmer/checkpoint';
import { loadHeadDir, readHeadDir } from '../src/mmer/checkpoint-node';
import type { MmerConfig } from '../src/mmer/config';
import { initNodeEngine } from '../src/mmer/engine-node';
import { adaptExamples } from '../src/mmer/speaker-adapt';
import { evaluate } from '../src/mmer/trainer';
import { loadNodeEncoders } from '../src/inference/node';
import type { VoiceRecordings } from '../src/worker-api/protocol';
import { readClip } from './audio-file';
import { encodeRecords, readDataset } from './dataset';
import { USAGE, warn } from './mmer-args';
import { loadNodeRecognizer, MODEL_SOURCE_OPTIONS, modelSource } from './model-source';

/** `eval`: UA, WA, macro-F1, recall and confusion of a head on a metadata.csv folder. */
export async function evalCmd(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      head: { type: 'string' },
      data: { type: 'string' },
      json: { type: 'boolean', default: false },
      'adapt-speakers': { type: 'boolean', default: false },
      ...MODEL_SOURCE_OPTIONS,
    },
  });
  if (v.head === undefined || v.data === undefined)
    throw new AppError('bad-dataset', `eval needs --head and --data.\n${USAGE}`);
  await initNodeEngine();
  const { manifest, params } = await loadHeadDir(v.head);
  // A folder may hold a subset of the head's labels: clips of other labels are reported and skipped.
  const { records, labels } = await readDataset(v.data, manifest.config.labels, warn);
  const encoders = await loadNodeEncoders({
    pair: manifest.encoders.pair,
    audioLayer: manifest.encoders.hiddenStateLayer,
    ...modelSource(v),
  });
  const encoded = await encodeRecords(
    v.data,
    records,
    labels,
    encoders,
    { augment: false, seed: 0, label: 'encoding' },
    warn,
  );
  const examples = v['adapt-speakers']
    ? adaptedToSpeakers(
        manifest.config,
        encoded.examples,
        encoded.records.map((r) => r.speaker),
      )
    : encoded.examples;
  const m = await evaluate(params, manifest.config, examples);
  const report = {
    clips: m.count,
    adapted: v['adapt-speakers'],
    ua: m.ua,
    wa: m.wa,
    macroF1: m.macroF1,
    labels,
    recall: m.recall,
    confusion: m.confusion,
  };
  if (v.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    process.stdout.write(
      `clips ${m.count}  UA ${(100 * m.ua).toFixed(1)} %  WA ${(100 * m.wa).toFixed(1)} %  macro-F1 ${(100 * m.macroF1).toFixed(1)} %\n`,
    );
    labels.forEach((l, i) =>
      process.stdout.write(
        `  ${l.padEnd(12)} recall ${m.recall[i] === null ? '  n/a' : `${(100 * (m.recall[i] ?? 0)).toFixed(1)} %`}  ${(m.confusion[i] ?? []).join(' ')}\n`,
      ),
    );
  }
  params.dispose();
  return 0;
}

/**
 * `predict` runs the recognizer the page runs (src/recognizer/recognizer.ts) with the head loaded in it, so its scores
 * are the page's for the same head and clip. With --adapt-speakers, the files of one folder are taken as one speaker's
 * clips (RAVDESS's Actor_XX folders): their utterance statistics are the voice profile, as the page's recordings are,
 * and each file is scored again with it.
 */
export async function predictCmd(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      head: { type: 'string' },
      json: { type: 'boolean', default: false },
      'adapt-speakers': { type: 'boolean', default: false },
      ...MODEL_SOURCE_OPTIONS,
    },
  });
  if (v.head === undefined || positionals.length === 0)
    throw new AppError('bad-dataset', `predict needs --head and at least one file.\n${USAGE}`);
  // The head's own checks (and the pair it names) before any model loads; the recognizer loads the same files below.
  await initNodeEngine();
  const headFiles = await readHeadDir(v.head);
  const { manifest, params } = decodeCheckpoint(headFiles.configJson, headFiles.weights, headFiles.paths);
  params.dispose();
  const adapt = v['adapt-speakers'];
  if (adapt) requireStatistics(manifest.config);
  const recognizer = await loadNodeRecognizer(v, manifest.encoders.pair, { builtinHead: false });
  await recognizer.loadHead(headFiles);
  const results = new Map<string, Prediction>();
  const clips = new Map<string, Float32Array>();
  const voices = new Map<string, VoiceRecordings & { rows: Float64Array[] }>();
  const score = async (file: string, pcm: Float32Array): Promise<void> => {
    try {
      const summary = await recognizer.analyse(pcm);
      if (summary.emotion == null || summary.scorer?.source !== 'pair')
        throw new AppError('internal', `The head did not score ${file}.`);
      results.set(file, { file, scores: [...summary.emotion] });
    } catch (err) {
      results.set(file, { file, error: toErrorInfo(err) });
    }
  };
  for (const file of positionals) {
    const pcm = await readClip(file).catch((err: unknown) => {
      results.set(file, { file, error: toErrorInfo(err) });
      return null;
    });
    if (pcm === null) continue;
    clips.set(file, pcm);
    await score(file, pcm);
    // With --adapt-speakers, the files of one folder are one speaker's clips: their statistics are its profile.
    const stats = adapt && results.get(file)?.scores !== undefined ? await recognizer.lastUtteranceStats() : null;
    if (stats === null) continue;
    const folder = dirname(resolve(file));
    const voice = voices.get(folder) ?? { features: stats.features, rows: [] };
    voices.set(folder, { ...voice, rows: [...voice.rows, stats.stats] });
  }
  // Each file again, adapted with its folder's profile.
  for (const [folder, voice] of voices) {
    recognizer.setVoice(voice);
    for (const [file, pcm] of clips) if (dirname(resolve(file)) === folder) await score(file, pcm);
  }
  await recognizer.dispose();
  const ordered = positionals.map(
    (f) => results.get(f) ?? { file: f, error: { code: 'internal', message: 'not scored' } },
  );
  if (v.json) process.stdout.write(`${JSON.stringify(ordered, null, 2)}\n`);
  else
    for (const r of ordered)
      process.stdout.write(
        r.scores === undefined
          ? `${r.file}\tERROR ${r.error?.code ?? ''}: ${r.error?.message ?? ''}\n`
          : `${r.file}\t${r.scores.map((s) => `${s.label} ${s.score.toFixed(3)}`).join('  ')}\n`,
      );
  return ordered.every((r) => r.scores !== undefined) ? 0 : 1;
}

/** One file's result as `predict` prints it. */
interface Prediction {
  readonly file: string;
  readonly scores?: { label: string; score: number }[];
  readonly error?: { code: string; message: string };
}

/** Refuses --adapt-speakers for a head that reads no utterance statistics (nothing to normalise per speaker). */
function requireStatistics(config: MmerConfig): void {
  if (config.utterance === undefined)
    throw new AppError(
      'bad-dataset',
      "--adapt-speakers needs a head trained on utterance statistics (the lite pair's); this head has none.",
    );
}

/** Clips with their speaker's profile applied; refused for a head that has no utterance statistics to adapt. */
function adaptedToSpeakers<T extends ClipFeatures>(
  config: MmerConfig,
  clips: readonly T[],
  speakers: readonly (string | null)[],
): T[] {
  requireStatistics(config);
  if (speakers.some((s) => s === null))
    throw new AppError('bad-dataset', '--adapt-speakers needs a speaker (or actor) column in metadata.csv.');
  return adaptExamples(
    clips,
    speakers.map((s) => s ?? ''),
    config.utterance?.dim ?? 0,
  );
}
