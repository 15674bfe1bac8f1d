/**
 * Turns the files a user picked or dropped into the files of a trained head. Pure (no React), so the rules are
 * unit-tested: exactly one `.json` (config.json) and one `.safetensors` (model.safetensors), in any order, and for a
 * head shipped in two parts its training.safetensors (head-split.ts) beside them.
 */
import { AppError } from '../core/errors';
import { HEAD_TRAINING_FILE } from '../mmer/head-split';
import type { HeadFiles } from '../worker-api/protocol';

/** What the file input accepts (the picker filters by it; dropped files are checked by `readHeadFiles`). */
export const HEAD_ACCEPT = '.json,.safetensors,application/json';

/** The subset of `File` used here, so tests can pass plain objects. */
export interface PickedFile {
  readonly name: string;
  readonly size: number;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Biggest config.json accepted: a real one is a few kB; a large "json" was almost surely picked by mistake. */
const MAX_CONFIG_BYTES = 1_000_000;

/**
 * Reads a head's files.
 * @throws AppError('bad-model') unless there is exactly one `.json` file and one `.safetensors` file besides an
 * optional training.safetensors, or when the JSON file is implausibly large.
 */
export async function readHeadFiles(files: readonly PickedFile[]): Promise<HeadFiles> {
  const names = files.map((f) => f.name);
  const configs = files.filter((f) => f.name.toLowerCase().endsWith('.json'));
  const isTraining = (f: PickedFile): boolean => f.name.toLowerCase() === HEAD_TRAINING_FILE;
  const tensors = files.filter((f) => f.name.toLowerCase().endsWith('.safetensors'));
  const weights = tensors.filter((f) => !isTraining(f));
  const trainings = tensors.filter(isTraining);
  const config = configs[0];
  const weight = weights[0];
  if (
    files.length !== 2 + trainings.length ||
    configs.length !== 1 ||
    weights.length !== 1 ||
    trainings.length > 1 ||
    config === undefined ||
    weight === undefined
  ) {
    const got = names.length === 0 ? 'no file' : names.join(', ');
    throw new AppError(
      'bad-model',
      `A head is two files: config.json and model.safetensors (with ${HEAD_TRAINING_FILE} when it ships one). Choose them together (got ${got}).`,
    );
  }
  if (config.size > MAX_CONFIG_BYTES) {
    throw new AppError(
      'bad-model',
      `${config.name} is ${config.size} bytes; a head's config.json is a few kilobytes. Is it the right file?`,
    );
  }
  const training = trainings[0];
  const [configJson, bytes, trainingBytes] = await Promise.all([
    config.text(),
    weight.arrayBuffer(),
    training?.arrayBuffer(),
  ]);
  const source = [config, weight, ...trainings].map((f) => f.name).join(' + ');
  const head = { configJson, weights: new Uint8Array(bytes), source };
  return trainingBytes === undefined ? head : { ...head, training: new Uint8Array(trainingBytes) };
}

/** config.json's `training` object, kept with a stored head to show beside it; anything else is ignored. */
export function trainingOf(configJson: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(configJson);
    const t = typeof parsed === 'object' && parsed !== null ? (parsed as { training?: unknown }).training : undefined;
    return typeof t === 'object' && t !== null && !Array.isArray(t) ? (t as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
