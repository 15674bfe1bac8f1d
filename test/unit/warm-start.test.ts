/**
 * Starting from a trained head: labels mapped by name, and fine-tuning on a few clips of a speaker the head never
 * heard raises that speaker's accuracy. The base head trains here on RAVDESS actors 1-4 (lite encoders, utterance
 * statistics); the new speaker is the last actor in metadata.csv.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav';
import { liteConfig } from '../../src/mmer/config';
import { buildExample } from '../../src/training/examples';
import { ParamStore } from '../../src/mmer/params';
import { prepareUtteranceRun } from '../../src/mmer/speaker-adapt';
import { evaluate, fit, type TrainExample } from '../../src/mmer/trainer';
import { initNodeEngine } from '../../src/mmer/engine-node';
import { warmStart } from '../../src/mmer/warm-start';
import { headConfig } from '../../src/training/head-config';
import { loadNodeEncoders } from '../../src/inference/node';
import { ravdessMetadata } from '../ravdess';
import { ravdessClip } from '../shared-data';

describe('warmStart (label mapping)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it("keeps shared labels' columns, zeroes new ones and refuses a head with no label in common", async () => {
    const head = { ...liteConfig(['a', 'b', 'c'], 'compact'), audioDim: 8, textDim: 4, hidden: 8, heads: 2, ffn: 16 };
    const source = ParamStore.init(head, 1);
    const from = await source.serialise();
    const { config, params, carried } = warmStart(head, from, ['c', 'x', 'a'], 2);
    expect(config.labels).toEqual(['c', 'x', 'a']);
    expect(carried).toEqual(['c', 'a']);
    const got = await params.serialise();
    const w = from['classifier.weight'];
    const v = got['classifier.weight'];
    if (w === undefined || v === undefined) throw new Error('classifier missing');
    expect(v.shape).toEqual([w.shape[0], 3]);
    // Row 5, label c (column 2 before, 0 after); a (0 -> 2); x new, zero.
    expect(v.data[5 * 3]).toBe(w.data[5 * 3 + 2]);
    expect(v.data[5 * 3 + 2]).toBe(w.data[5 * 3]);
    expect(v.data[5 * 3 + 1]).toBe(0);
    expect(got['text_block.attn.q.weight']?.data).toEqual(from['text_block.attn.q.weight']?.data);
    expect(() => warmStart(head, from, ['y', 'z'], 0)).toThrow(/none of this run's/);
    params.dispose();
    source.dispose();
  });
});

describe('fine-tuning from a trained head on a new speaker', () => {
  it("raises that speaker's accuracy on their other clips", { timeout: 300_000 }, async () => {
    await initNodeEngine();
    const rows = ravdessMetadata();
    const actors = [...new Set(rows.map((r) => r.actor))].sort();
    const labels = [...new Set(rows.map((r) => r.emotion))].sort();
    const newSpeaker = actors.at(-1) ?? '';
    const baseActors = actors.slice(0, 4);
    const encoders = await loadNodeEncoders({ pair: 'lite' });
    const encode = async (r: (typeof rows)[number]): Promise<TrainExample> => {
      const pcm = decodeWav(new Uint8Array(readFileSync(ravdessClip(r.path)))).channels[0] ?? new Float32Array(0);
      return buildExample(
        encoders,
        { pcm16k: pcm, transcript: r.transcript, augmentedTranscript: null, label: labels.indexOf(r.emotion) },
        null,
      );
    };
    const baseRows = rows.filter((r) => baseActors.includes(r.actor));
    const base = await Promise.all(baseRows.map(encode));
    const first = base[0];
    if (first === undefined || encoders.audio.utterance === undefined || encoders.audio.utterance === null)
      throw new Error('lite encoders without utterance statistics');
    // A narrow frame path keeps the test quick; the utterance branches, which carry most of the signal, are full size.
    const plain = {
      ...headConfig(labels, { audio: first.audio.dim, text: first.text.dim, utterance: true }, null, 0),
      hidden: 16,
      heads: 2,
      ffn: 32,
    };
    const run = prepareUtteranceRun(
      plain,
      encoders.audio.utterance,
      base,
      baseRows.map((r) => r.actor),
      0.3,
    );
    const head = ParamStore.init(run.config, 0);
    const quick = {
      batchSize: 16,
      seed: 0,
      patience: 0,
      loss: { ctc: 0, supcon: 0, acl: 0, temperature: 0.07, supconVariant: 'khosla' as const },
      optimizer: { lr: 3e-3, warmupSteps: 0 },
    };
    await fit(head, run.config, run.train, [], { ...quick, epochs: 6 });

    // The new speaker: two clips per emotion to fine-tune on, the rest to score.
    const theirs = rows.filter((r) => r.actor === newSpeaker);
    const tuneRows = labels.flatMap((l) => theirs.filter((r) => r.emotion === l).slice(0, 2));
    const testRows = theirs.filter((r) => !tuneRows.includes(r));
    const tune = await Promise.all(tuneRows.map(encode));
    const test = await Promise.all(testRows.map(encode));
    const before = await evaluate(head, run.config, test);

    const start = warmStart(run.config, await head.serialise(), labels, 1);
    await fit(start.params, start.config, tune, [], {
      ...quick,
      epochs: 15,
      batchSize: 8,
      optimizer: { lr: 1e-3, warmupSteps: 0 },
    });
    const after = await evaluate(start.params, start.config, test);
    // Measured on the data of 2026-12: before ~0.3-0.5, after higher by well over the 1/44-clip step.
    expect(after.wa, `accuracy before ${before.wa.toFixed(3)}, after ${after.wa.toFixed(3)}`).toBeGreaterThan(
      before.wa + 0.05,
    );
    if (process.env.MMER_TEST_VERBOSE === '1')
      process.stdout.write(`warm start: accuracy ${before.wa.toFixed(3)} -> ${after.wa.toFixed(3)}\n`);
    head.dispose();
    start.params.dispose();
  });
});
