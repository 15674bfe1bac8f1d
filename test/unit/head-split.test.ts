/**
 * A head shipped in two files (src/mmer/head-split.ts): model.safetensors scores exactly as the whole head does, the
 * training-only file completes it bit for bit, and every way the pair can be wrong is refused with a message that
 * names the file and the tensor.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/mmer/checkpoint';
import { loadHeadDir, saveHeadDir } from '../../src/mmer/checkpoint-node';
import { disposeMmerOutputs, mmerForward } from '../../src/mmer/head';
import { HEAD_TRAINING_FILE, splitHeadWeights, storedDtypeOf } from '../../src/mmer/head-split';
import { isTrainingOnly, ParamStore, paramSpecs } from '../../src/mmer/params';
import { decodeSafetensors, encodeSafetensors, type StoredDtype } from '../../src/mmer/safetensors';
import { SMALL_CONFIG, SMALL_MANIFEST } from './small-head';

const config = SMALL_CONFIG;
const manifest = SMALL_MANIFEST;

let params: ParamStore;
let whole: { configJson: string; safetensors: Uint8Array };
let parts: { weights: Uint8Array; training: Uint8Array };
let tmp: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  params = ParamStore.init(config, 5);
  whole = await encodeCheckpoint(manifest, params);
  parts = splitHeadWeights(decodeSafetensors(whole.safetensors), 'F32');
  tmp = mkdtempSync(join(tmpdir(), 'mmer-split-'));
});

afterAll(() => {
  params.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

/** The head's emotion logits on a fixed batch. */
function logits(store: ParamStore): Float32Array {
  const b = {
    audio: tf.randomNormal<tf.Rank.R3>([2, 6, config.audioDim], 0, 1, 'float32', 1),
    audioMask: tf.tensor2d([
      [1, 1, 1, 1, 1, 1],
      [1, 1, 1, 0, 0, 0],
    ]),
    text: tf.randomNormal<tf.Rank.R3>([2, 3, config.textDim], 0, 1, 'float32', 2),
    textMask: tf.tensor2d([
      [1, 1, 1],
      [1, 1, 0],
    ]),
  };
  const out = mmerForward(store, config, b, { training: false });
  const data = out.logits.dataSync() as Float32Array;
  disposeMmerOutputs(out);
  tf.dispose(Object.values(b));
  return data;
}

/** Safetensors bytes of `bytes`' tensors after `edit`. */
function edited(bytes: Uint8Array, edit: (t: ReturnType<typeof decodeSafetensors>['tensors']) => void): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(bytes);
  edit(tensors);
  return encodeSafetensors(tensors, metadata);
}

function decodeError(weights: Uint8Array, training?: Uint8Array): string {
  try {
    decodeCheckpoint(whole.configJson, weights, undefined, training).params.dispose();
  } catch (err) {
    if (err instanceof AppError && err.code === 'bad-model') return err.message;
    throw err;
  }
  throw new Error('the pair of files was accepted');
}

describe('a head in two files', () => {
  it('puts exactly the training-only parameters in the second file', () => {
    const scoring = Object.keys(decodeSafetensors(parts.weights).tensors);
    const training = Object.keys(decodeSafetensors(parts.training).tensors);
    const names = paramSpecs(config).map((s) => s.name);
    expect(training.sort()).toEqual(names.filter(isTrainingOnly).sort());
    expect(scoring.sort()).toEqual(names.filter((n) => !isTrainingOnly(n)).sort());
    expect(training.length).toBeGreaterThan(0);
  });

  it('scores from the first file alone exactly as the whole head, and is not trainable', () => {
    const { params: scoring } = decodeCheckpoint(whole.configJson, parts.weights);
    try {
      expect(scoring.trainable).toBe(false);
      expect(scoring.has('proj_aug.fc2.weight')).toBe(false);
      expect(logits(scoring)).toEqual(logits(params));
      expect(() => scoring.get('proj_orig.fc1.weight')).toThrow(/no parameter "proj_orig.fc1.weight"/);
    } finally {
      scoring.dispose();
    }
  });

  it('is the whole head again, bit for bit, with its training file', async () => {
    const { params: back } = decodeCheckpoint(whole.configJson, parts.weights, undefined, parts.training);
    try {
      expect(back.trainable).toBe(true);
      expect(await back.serialise()).toEqual(await params.serialise());
    } finally {
      back.dispose();
    }
  });

  it.each(['F16', 'Q8'] as const)('keeps the stored precision (%s) in both files', (dtype: StoredDtype) => {
    const split = splitHeadWeights(decodeSafetensors(whole.safetensors), dtype);
    expect(storedDtypeOf(split.weights)).toBe(dtype);
    // The small projections of this head hold no int8 matrix, so a Q8 training file is float16 throughout.
    expect(['F16', dtype]).toContain(storedDtypeOf(split.training));
    expect(storedDtypeOf(whole.safetensors)).toBe('F32');
  });

  it('the CLI reads the training file beside model.safetensors', async () => {
    const dir = join(tmp, 'split');
    await saveHeadDir(dir, manifest, params);
    writeFileSync(join(dir, 'model.safetensors'), parts.weights);
    const scoring = await loadHeadDir(dir);
    expect(scoring.params.trainable).toBe(false);
    scoring.params.dispose();
    writeFileSync(join(dir, HEAD_TRAINING_FILE), parts.training);
    const back = await loadHeadDir(dir);
    expect(back.params.trainable).toBe(true);
    back.params.dispose();
  });

  const refusals: { name: string; weights: () => Uint8Array; training: () => Uint8Array; message: RegExp }[] = [
    {
      name: 'a training file that holds a scoring parameter',
      weights: () => parts.weights,
      training: () =>
        edited(parts.training, (t) => {
          t['gate.bias'] = { shape: [config.hidden], data: new Float32Array(config.hidden) };
        }),
      message: /training\.safetensors holds "gate\.bias", which is not a training-only parameter/,
    },
    {
      name: 'a training file beside a whole head',
      weights: () => whole.safetensors,
      training: () => parts.training,
      message: /training\.safetensors holds "ctc\.bias", which the head's weights file holds too/,
    },
    {
      name: 'a training file that lacks a projection',
      weights: () => parts.weights,
      training: () =>
        edited(parts.training, (t) => {
          delete t['proj_aug.fc2.bias'];
        }),
      message:
        /model\.safetensors with training\.safetensors does not fit config\.json: missing parameter "proj_aug\.fc2\.bias"/,
    },
    {
      name: 'a training file that is not safetensors',
      weights: () => parts.weights,
      training: () => new TextEncoder().encode('<!doctype html><p>not found</p>'),
      message: /training\.safetensors is not a readable safetensors file/,
    },
    {
      name: 'a weights file that lacks some training-only parameters but not all',
      weights: () =>
        edited(whole.safetensors, (t) => {
          delete t['proj_orig.fc1.weight'];
        }),
      training: () => new Uint8Array(0),
      message: /missing parameter "proj_orig\.fc1\.weight"/,
    },
  ];

  it.each(refusals)('refuses $name', ({ weights, training, message }) => {
    const bytes = training();
    expect(decodeError(weights(), bytes.byteLength === 0 ? undefined : bytes)).toMatch(message);
  });

  it('refuses to split a head that is split already', () => {
    expect(() => splitHeadWeights(decodeSafetensors(parts.weights), 'F32')).toThrow(/split already/);
  });

  it('a store without the training-only parameters refuses a whole record instead of half-writing it', async () => {
    const { params: scoring } = decodeCheckpoint(whole.configJson, parts.weights);
    try {
      const before = await scoring.serialise();
      const other = ParamStore.init(config, 9);
      const record = await other.serialise();
      other.dispose();
      expect(() => {
        scoring.assign(record);
      }).toThrow(/adds the training-only parameters/);
      expect(await scoring.serialise()).toEqual(before);
    } finally {
      scoring.dispose();
    }
  });
});
