/**
 * Starting a run from a shipped head that comes in two files (src/mmer/head-split.ts): with its training file the run
 * starts from every one of the head's parameters, exactly as from the whole head; without it the run says that the
 * training losses' own layers start fresh, and they do.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StoredHeadFiles } from '../../src/data/library/library-types';
import { decodeCheckpoint } from '../../src/mmer/checkpoint';
import { warmStartFrom } from '../../src/training/library-warm-start';
import { DEFAULT_TRAIN_SETTINGS } from '../../src/training/train-settings';
import type { TrainEvent } from '../../src/worker-api/training-protocol';
import { REPO_ROOT } from '../shared-data';

const HEAD = join(REPO_ROOT, 'public', 'models', 'heads', 'lite-ravdess8');
const read = (file: string): Uint8Array => new Uint8Array(readFileSync(join(HEAD, file)));
const configJson = readFileSync(join(HEAD, 'config.json'), 'utf8');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The run's starting parameters and its notices, for the head's files as given. */
async function start(files: StoredHeadFiles): Promise<{ values: Record<string, Float32Array>; notices: string[] }> {
  const { manifest, params: head } = decodeCheckpoint(configJson, read('model.safetensors'));
  head.dispose();
  const identity = manifest.encoders;
  const labels = manifest.config.labels.slice(0, 3);
  const notices: string[] = [];
  const settings = { ...DEFAULT_TRAIN_SETTINGS, labels, startFrom: 'builtin:lite-ravdess8', seed: 3 };
  const { params } = await warmStartFrom(
    { identity, headFiles: () => Promise.resolve(files) },
    settings,
    (e: TrainEvent) => {
      if (e.kind === 'notice') notices.push(e.message);
    },
  );
  const values: Record<string, Float32Array> = {};
  for (const [name, { data }] of Object.entries(await params.serialise())) values[name] = data;
  params.dispose();
  return { values, notices };
}

describe('a run that starts from a head in two files', () => {
  it("starts from the training file's projections, as from the whole head, and says nothing about them", async () => {
    const split = await start({
      configJson,
      weights: read('model.safetensors'),
      training: read('training.safetensors'),
    });
    const { params: whole } = decodeCheckpoint(
      configJson,
      read('model.safetensors'),
      undefined,
      read('training.safetensors'),
    );
    const shipped = await whole.serialise();
    whole.dispose();
    expect(split.values['proj_orig.fc1.weight']).toEqual(shipped['proj_orig.fc1.weight']?.data);
    expect(split.values['ctc.weight']).toEqual(shipped['ctc.weight']?.data);
    expect(split.notices.filter((n) => n.includes('training.safetensors'))).toEqual([]);
  });

  it('without its training file, says so and starts those layers from new weights', async () => {
    const scoring = await start({ configJson, weights: read('model.safetensors') });
    const split = await start({
      configJson,
      weights: read('model.safetensors'),
      training: read('training.safetensors'),
    });
    expect(scoring.notices).toContain(
      'builtin:lite-ravdess8 came without builtin:lite-ravdess8/training.safetensors: its CTC layer and contrastive projections start from new random weights.',
    );
    expect(scoring.values['proj_aug.fc2.weight']).not.toEqual(split.values['proj_aug.fc2.weight']);
    // Everything scoring reads is the head's either way.
    expect(scoring.values['gate.weight']).toEqual(split.values['gate.weight']);
  });
});
