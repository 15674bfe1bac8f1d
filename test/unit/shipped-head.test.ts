/**
 * The heads the app ships under public/models match the manifest: every file a head entry names (config, weights,
 * training-only weights, model card) exists with the sha256 and byte count the manifest pins, so the page's verified download never refuses
 * the shipped bytes, and the manifest's default pair has a head (a first visit shows an emotion out of the box).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/mmer/checkpoint';
import { headsForPair, isWeightFree } from '../../src/runtime/manifest';
import { parseManifest } from '../../src/runtime/manifest-parse';

const MODELS = new URL('../../public/models/', import.meta.url).pathname;
const manifest = parseManifest(JSON.parse(readFileSync(join(MODELS, 'manifest.json'), 'utf8')));
/** Heads whose files are committed with pinned hashes (the fixture head is generated and pins none). */
const pinned = manifest.heads.filter((h) => h.files.weights.sha256 !== undefined);

describe('shipped heads', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('the default pair is weight-free and ships a head with pinned files', () => {
    expect(isWeightFree(manifest, manifest.defaultPair)).toBe(true);
    const head = headsForPair(manifest, manifest.defaultPair)[0];
    expect(head).toBeDefined();
    expect(pinned).toContain(head);
  });

  it.each(pinned.map((h) => [h.id, h] as const))('%s: each file has the pinned sha256 and size', (_id, head) => {
    const { config, weights, card, training } = head.files;
    const refs = [
      ['config', config],
      ['weights', weights],
      ...(card === undefined ? [] : [['card', card] as const]),
      ...(training === undefined ? [] : [['training', training] as const]),
    ] as const;
    for (const [purpose, ref] of refs) {
      expect(ref.sha256, `${purpose} pins a sha256`).toMatch(/^[0-9a-f]{64}$/);
      expect(ref.bytes, `${purpose} pins its size`).toBeGreaterThan(0);
      const bytes = readFileSync(join(MODELS, ref.path));
      expect(bytes.byteLength, `${ref.path} size`).toBe(ref.bytes);
      expect(createHash('sha256').update(bytes).digest('hex'), `${ref.path} sha256`).toBe(ref.sha256);
    }
  });

  it.each(pinned.map((h) => [h.id, h] as const))('%s: its files decode as a head of its pair', (_id, head) => {
    const config = readFileSync(join(MODELS, head.files.config.path), 'utf8');
    const weights = readFileSync(join(MODELS, head.files.weights.path));
    const { manifest: m, params } = decodeCheckpoint(config, weights);
    // What the page scores with: everything but the training-only parameters, which a run fetches first.
    expect(params.trainable).toBe(head.files.training === undefined);
    params.dispose();
    if (head.files.training !== undefined) {
      const training = readFileSync(join(MODELS, head.files.training.path));
      const whole = decodeCheckpoint(config, weights, undefined, training);
      expect(whole.params.trainable).toBe(true);
      whole.params.dispose();
    }
    expect(m.encoders.pair).toBe(head.pair);
    expect(m.config.labels.length).toBeGreaterThan(1);
    // The manifest's copy of the labels (offered before the files are read) is the config's.
    if (head.labels !== undefined) expect(head.labels).toEqual(m.config.labels);
  });
});
