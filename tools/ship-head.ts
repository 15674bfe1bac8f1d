/**
 * `npm run ship-head`: trains the embedded emotion head from the RAVDESS folder and ships it.
 *
 *   1. `npm run mmer -- train --encoders lite --val-speakers none --epochs E --seed 0` on every clip of the folder,
 *      E being the epoch count the cross-validation report chose (`mmer cv`, run beforehand; see docs/decisions.md);
 *   2. writes the model card's key facts into the head's config.json (`training.card`, `metrics` = the
 *      cross-validation means) and MODEL_CARD.md beside it;
 *   3. splits the weights into model.safetensors (what scoring reads) and training.safetensors (the parameters only
 *      training reads, fetched when a run starts from the head; src/mmer/head-split.ts);
 *   4. pins config.json, both weight files and MODEL_CARD.md in public/models/manifest.json (sha256 and bytes).
 *
 * Options: --data DIR (default ../shared/data/ravdess), --cv REPORT (default docs/results/lite-ravdess8-cv.json),
 * --skip-train (only steps 2 to 4, on the head already in place), --weights f32|f16|q8 (how the weight files
 * store the weights; by default as the file in place does: float32 after training): f16 halves the download, scores within float16
 * rounding; q8 stores every weight matrix as int8 with a scale per output column and the rest as float16, about a
 * quarter of the float32 bytes (src/mmer/int8-weights.ts; docs/decisions.md says what it does to the scores). The
 * page widens both back to float32 on load. --f16, the older spelling of --weights f16, still works.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HEAD_TRAINING_FILE, splitHeadWeights, storedDtypeOf, trainingTensors } from '../src/mmer/head-split';
import { isTrainingOnly } from '../src/mmer/params';
import { decodeSafetensors, type StoredDtype } from '../src/mmer/safetensors';
import { renderModelCard, type CvReport } from './model-card';

export const HEAD_ID = 'lite-ravdess8';
const HEAD_DIR = join('public', 'models', 'heads', HEAD_ID);
const MANIFEST = join('public', 'models', 'manifest.json');

/** `{ "path": ..., "sha256": ..., "bytes": ... }` of a file under public/models. */
function pin(file: string): string {
  const bytes = readFileSync(join(HEAD_DIR, file));
  const sha = createHash('sha256').update(bytes).digest('hex');
  return `{ "path": "heads/${HEAD_ID}/${file}", "sha256": "${sha}", "bytes": ${bytes.length} }`;
}

/** Rewrites the `files` refs of the head's manifest entry in place, leaving the rest of the file as it is. */
function pinInManifest(): void {
  const text = readFileSync(MANIFEST, 'utf8');
  const ref = (key: string, file: string): RegExp =>
    new RegExp(`("${key}": )\\{ "path": "heads/${HEAD_ID}/${file.replace('.', '\\.')}"[^}]*\\}`);
  let out = text;
  for (const [key, file] of [
    ['config', 'config.json'],
    ['weights', 'model.safetensors'],
    ['training', HEAD_TRAINING_FILE],
    ['card', 'MODEL_CARD.md'],
  ] as const) {
    if (!ref(key, file).test(out))
      throw new Error(`${MANIFEST} has no "${key}" entry for heads/${HEAD_ID}/${file}; add one first.`);
    out = out.replace(ref(key, file), `$1${pin(file)}`);
  }
  // The entry's labels (shown before the head is read) follow the config's.
  const labels = (JSON.parse(readFileSync(join(HEAD_DIR, 'config.json'), 'utf8')) as { config: { labels: string[] } })
    .config.labels;
  const entry = new RegExp(`("id": "${HEAD_ID}"[^}]*?"labels": )\\[[^\\]]*\\]`);
  if (!entry.test(out)) throw new Error(`${MANIFEST} has no "labels" in the entry of ${HEAD_ID}; add one first.`);
  out = out.replace(entry, `$1${JSON.stringify(labels).replaceAll(',', ', ')}`);
  writeFileSync(MANIFEST, out);
}

/**
 * Rewrites the head in place as the two files a shipped head has (src/mmer/head-split.ts): model.safetensors, what
 * scoring reads, and training.safetensors, the parameters only a training run reads. Stored as `stored`, or as the
 * file in place stores them. A whole model.safetensors (as training writes it) replaces any older training file; a
 * head already split is read back from both files.
 */
function writeSplit(stored: StoredDtype | undefined): void {
  const weightsPath = join(HEAD_DIR, 'model.safetensors');
  const trainingPath = join(HEAD_DIR, HEAD_TRAINING_FILE);
  const bytes = readFileSync(weightsPath);
  const { tensors, metadata } = decodeSafetensors(bytes);
  const whole = Object.keys(tensors).some(isTrainingOnly)
    ? tensors
    : { ...tensors, ...trainingTensors(readFileSync(trainingPath), tensors, trainingPath) };
  const parts = splitHeadWeights({ tensors: whole, metadata }, stored ?? storedDtypeOf(bytes));
  writeFileSync(weightsPath, parts.weights);
  writeFileSync(trainingPath, parts.training);
}

/** `--weights` values and the stored dtype each writes. */
const WEIGHT_OPTIONS: Readonly<Record<string, StoredDtype>> = { f32: 'F32', f16: 'F16', q8: 'Q8' };

/**
 * The stored dtype the options ask for, or undefined to leave the file as training wrote it (float32); refuses an
 * unknown --weights or one that contradicts --f16.
 */
function weightsOption(weights: string | undefined, f16: boolean): StoredDtype | undefined {
  if (weights === undefined) return f16 ? 'F16' : undefined;
  const dtype = WEIGHT_OPTIONS[weights];
  if (dtype === undefined)
    throw new Error(`--weights must be one of ${Object.keys(WEIGHT_OPTIONS).join(', ')} (got "${weights}")`);
  if (f16 && dtype !== 'F16') throw new Error(`--f16 and --weights ${weights} contradict each other; give one`);
  return dtype;
}

function main(): void {
  const { values: v } = parseArgs({
    options: {
      data: { type: 'string', default: join('..', 'shared', 'data', 'ravdess') },
      cv: { type: 'string', default: join('docs', 'results', `${HEAD_ID}-cv.json`) },
      'skip-train': { type: 'boolean', default: false },
      f16: { type: 'boolean', default: false },
      weights: { type: 'string' },
    },
  });
  // Checked before training, which takes minutes, so a typo fails at once.
  const stored = weightsOption(v.weights, v.f16);
  const report = JSON.parse(readFileSync(v.cv, 'utf8')) as CvReport;
  if (!v['skip-train']) {
    const args = ['run', '-s', 'mmer', '--', 'train', '--data', v.data, '--encoders', 'lite', '--val-speakers', 'none'];
    args.push('--epochs', String(report.chosenEpochs), '--seed', '0', '--out', HEAD_DIR, '--force');
    // The recipe the cross-validation measured, so the shipped head is trained the way its figures were made.
    const recipe = report.recipe;
    if (recipe !== undefined) {
      args.push(
        '--lr',
        String(recipe.lr),
        '--batch',
        String(recipe.batch),
        '--utterance-dropout',
        String(recipe.utteranceDropout),
        '--lr-decay',
        recipe.lrDecay,
      );
      if (recipe.specAugment) args.push('--spec-augment');
      if (recipe.averageDecay != null) args.push('--average-decay', String(recipe.averageDecay));
      if (recipe.augmentedExamples === true)
        throw new Error(
          'this cv report trained on augmented views as extra clips, which mmer train does not do; ship from a report without --augmented-examples',
        );
    }
    const r = spawnSync('npm', args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`training failed (exit ${String(r.status)})`);
  }
  const configPath = join(HEAD_DIR, 'config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as {
    metrics: unknown;
    training?: Record<string, unknown>;
  };
  const card = renderModelCard(HEAD_ID, report);
  config.metrics = {
    ua: report.plain.mean,
    wa: report.plain.waMean,
    uaAdapted: report.adapted?.mean ?? 0,
    waAdapted: report.adapted?.waMean ?? 0,
  };
  config.training = { ...config.training, card: card.facts };
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(join(HEAD_DIR, 'MODEL_CARD.md'), card.markdown);
  writeSplit(stored);
  pinInManifest();
  process.stdout.write(`shipped ${HEAD_DIR} (${String(report.chosenEpochs)} epochs); manifest pinned\n`);
}

main();
