/**
 * Saving and loading a trained head directory (`config.json` + `model.safetensors`) with Node's file system, for the
 * CLI and tests. The byte formats and all checks live in checkpoint.ts; this file only adds safe file handling.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../core/errors';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  HEAD_CONFIG_FILE,
  HEAD_WEIGHTS_FILE,
  type CheckpointFileNames,
  type HeadManifest,
} from './checkpoint';
import { HEAD_TRAINING_FILE } from './head-split';
import type { ParamStore } from './params';

/** Options of `saveHeadDir`. */
export interface SaveHeadOptions {
  /** Replace the files of an existing head; without it an existing config.json or model.safetensors is an error. */
  readonly overwrite?: boolean;
}

function errCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (errCode(err) === 'ENOENT') return false;
    throw err;
  }
}

function refuse(path: string): AppError {
  return new AppError(
    'internal',
    `Refusing to overwrite the existing MMER head file ${path}; choose another directory or allow overwriting.`,
  );
}

/** Writes a file under a temporary name and flushes it to disk, so a rename later publishes complete bytes only. */
async function writeDurably(path: string, data: string | Uint8Array): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Publishes `tmp` as `final` only if `final` does not exist. A hard link fails atomically on an existing name, which
 * closes the gap between checking and renaming; filesystems without hard links fall back to check-then-rename.
 */
async function publishNew(tmp: string, final: string): Promise<void> {
  try {
    await link(tmp, final);
  } catch (err) {
    const code = errCode(err);
    if (code === 'EEXIST') throw refuse(final);
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'].includes(code ?? '')) throw err;
    if (await exists(final)) throw refuse(final);
    await rename(tmp, final);
  }
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch {
    // Already gone (published by rename) or never written: nothing to clean.
  }
}

/**
 * Saves a head as `dir/config.json` and `dir/model.safetensors`.
 *
 * `dir` itself is created if missing, but not its parents, so a mistyped path fails instead of growing a new tree.
 * Both files are written under temporary names, flushed, then renamed into place, weights first: config.json is the
 * last file to appear, so a reader never finds a config whose weights are missing or half written. No temporary file
 * survives a failure. With `overwrite` the old config.json is removed before the new files go in, so a failure part
 * way leaves a directory that refuses to load rather than old settings beside new weights.
 * @throws AppError('bad-model'|'internal') from encodeCheckpoint; AppError('internal') when a file exists and
 *   `overwrite` is not set, or when the file system fails (the message names the path).
 */
export async function saveHeadDir(
  dir: string,
  manifest: HeadManifest,
  params: ParamStore,
  options: SaveHeadOptions = {},
): Promise<void> {
  // Encode first: an invalid manifest must not touch the disk at all.
  const { configJson, safetensors } = await encodeCheckpoint(manifest, params);
  const configPath = join(dir, HEAD_CONFIG_FILE);
  const weightsPath = join(dir, HEAD_WEIGHTS_FILE);
  const overwrite = options.overwrite === true;
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const configTmp = join(dir, `.${HEAD_CONFIG_FILE}.${tag}.tmp`);
  const weightsTmp = join(dir, `.${HEAD_WEIGHTS_FILE}.${tag}.tmp`);
  let publishedWeights = false;
  try {
    try {
      await mkdir(dir);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
    }
    if (!overwrite) {
      for (const path of [configPath, weightsPath]) if (await exists(path)) throw refuse(path);
    }
    await writeDurably(weightsTmp, safetensors);
    await writeDurably(configTmp, configJson);
    if (overwrite) {
      await removeQuietly(configPath);
      await rename(weightsTmp, weightsPath);
      await rename(configTmp, configPath);
    } else {
      await publishNew(weightsTmp, weightsPath);
      publishedWeights = true;
      await publishNew(configTmp, configPath);
    }
  } catch (err) {
    // Without overwrite the weights file is ours alone: take it back so the directory is as it was.
    if (publishedWeights) await removeQuietly(weightsPath);
    if (err instanceof AppError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new AppError('internal', `Could not save the MMER head to ${dir}: ${why}`, { cause: err });
  } finally {
    await removeQuietly(weightsTmp);
    await removeQuietly(configTmp);
  }
}

async function readHeadFile(path: string, dir: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    if (errCode(err) === 'ENOENT') {
      throw new AppError('bad-model', `No MMER head in ${dir}: ${path} does not exist.`, { cause: err });
    }
    const why = err instanceof Error ? err.message : String(err);
    throw new AppError('bad-model', `Could not read ${path}: ${why}`, { cause: err });
  }
}

/**
 * Loads and checks a head saved by `saveHeadDir` (or any writer of the same two files). The caller disposes the
 * returned ParamStore.
 * @throws AppError('bad-model') naming the missing file's path, or the file and field at fault.
 */
export async function loadHeadDir(dir: string): Promise<ReturnType<typeof decodeCheckpoint>> {
  const files = await readHeadDir(dir);
  return decodeCheckpoint(files.configJson, files.weights, files.paths, files.training);
}

/**
 * The raw files of a head folder (what the recognizer's `loadHead` takes, as the page reads them from a picker),
 * with training.safetensors when the folder holds a head shipped in two parts (head-split.ts).
 * @throws AppError('bad-model') naming a missing or unreadable file.
 */
export async function readHeadDir(dir: string): Promise<{
  configJson: string;
  weights: Uint8Array;
  training?: Uint8Array;
  source: string;
  paths: Required<CheckpointFileNames>;
}> {
  const paths = {
    config: join(dir, HEAD_CONFIG_FILE),
    weights: join(dir, HEAD_WEIGHTS_FILE),
    training: join(dir, HEAD_TRAINING_FILE),
  };
  const [config, weights] = [await readHeadFile(paths.config, dir), await readHeadFile(paths.weights, dir)];
  const head = { configJson: config.toString('utf8'), weights, source: dir, paths };
  if (!(await exists(paths.training))) return head;
  return { ...head, training: await readHeadFile(paths.training, dir) };
}
