/**
 * Learning from real speech: the lite encoders (utterance statistics + log-mel, n-grams) and the lite MMER head
 * trained for a few epochs on RAVDESS clips of four actors with the full multitask loss. The loss must fall, and the
 * head must beat chance (1/8) clearly on an actor it never heard. A smoke test of learning, not an accuracy claim:
 * README reports the cross-validated figures.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav';
import { parseMetadata } from '../../src/data/metadata';
import { initNodeEngine } from '../../src/mmer/engine-node';
import { buildExample } from '../../src/training/examples';
import { ParamStore } from '../../src/mmer/params';
import { evaluate, fit, type TrainExample } from '../../src/mmer/trainer';
import { prepareUtteranceRun } from '../../src/mmer/speaker-adapt';
import type { UtteranceFeatureSet } from '../../src/encoders/types';
import { headConfig } from '../../src/training/head-config';
import { loadNodeEncoders } from '../../src/inference/node';
import { MemoryStore } from '../../src/runtime/cache';
import { ravdessMetadata } from '../ravdess';
import { RAVDESS_DIR } from '../shared-data';

const ACTORS = new Set(['01', '02', '03', '04']);
/** The actor the head never trains on. */
const HELD_OUT = '05';

describe('learning on RAVDESS with the lite encoders', () => {
  let train: TrainExample[] = [];
  let heldOut: TrainExample[] = [];
  let labels: string[] = [];
  let speakers: string[] = [];
  let utterance: UtteranceFeatureSet | null = null;

  beforeAll(async () => {
    await initNodeEngine(['wasm', 'cpu']);
    const encoders = await loadNodeEncoders({ pair: 'lite', store: new MemoryStore() });
    const all = parseMetadata(readFileSync(join(RAVDESS_DIR, 'metadata.csv'), 'utf8'));
    const clips = all.filter((c) => ACTORS.has(c.speaker ?? ''));
    labels = [...new Set(clips.map((c) => c.emotion))].sort();
    speakers = clips.map((c) => c.speaker ?? '');
    utterance = encoders.audio.utterance ?? null;
    const encode = (list: typeof all): Promise<TrainExample[]> =>
      Promise.all(
        list.map(async (c, i) => {
          const pcm = decodeWav(readFileSync(join(RAVDESS_DIR, c.path))).channels[0] ?? new Float32Array();
          return buildExample(
            encoders,
            { pcm16k: pcm, transcript: c.transcript, label: labels.indexOf(c.emotion) },
            i + 1,
          );
        }),
      );
    train = await encode(clips);
    heldOut = (await encode(all.filter((c) => c.speaker === HELD_OUT))).map((e) => ({ ...e, augmented: null }));
  }, 120_000);

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('lowers the multitask loss and beats chance on an actor it never heard', async () => {
    // The head the CLI and the page train for the lite pair, its utterance statistics normalised per speaker.
    const plain = headConfig(labels, { audio: train[0]?.audio.dim ?? 0, text: 256, utterance: true }, null, 0);
    const { config, train: adapted } = prepareUtteranceRun(plain, utterance, train, speakers, 0.3);
    const params = ParamStore.init(config, 1);
    const before = tf.memory().numTensors;
    const result = await fit(params, config, adapted, [], {
      epochs: 5,
      batchSize: 16,
      patience: 0,
      optimizer: { lr: 2e-3, warmupSteps: 5 },
    });
    expect(tf.memory().numTensors).toBe(before);
    const first = result.epochs[0]?.loss.total ?? Number.NaN;
    const last = result.epochs.at(-1)?.loss.total ?? Number.NaN;
    const metrics = await evaluate(params, config, train);
    // Without a profile of the new actor: the head as a first visit runs it.
    const unseen = await evaluate(params, config, heldOut);
    console.info(
      `RAVDESS lite smoke: ${train.length} clips, loss ${first.toFixed(3)} -> ${last.toFixed(3)}, train UA ${metrics.ua.toFixed(3)}, actor ${HELD_OUT} (never heard) UA ${unseen.ua.toFixed(3)} over ${heldOut.length} clips`,
    );
    // Every clip of the four actors that metadata.csv lists (60 each in the full copy), none dropped on the way.
    expect(train).toHaveLength(ravdessMetadata().filter((r) => ACTORS.has(r.actor)).length);
    expect(train.length).toBeGreaterThan(0);
    expect(last).toBeLessThan(first * 0.9);
    expect(heldOut).toHaveLength(ravdessMetadata().filter((r) => r.actor === HELD_OUT).length);
    // Twice chance on a speaker outside the training set.
    expect(unseen.ua).toBeGreaterThan(0.25);
    params.dispose();
  }, 180_000);
});
