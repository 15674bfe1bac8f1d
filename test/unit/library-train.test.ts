/**
 * Fine-tuning on the clip library in Node: fake IndexedDB, the lite encoders, a dozen RAVDESS clips (actors 1-2
 * train, 3 validation, 4 test). A run trains and stores a head that decodes; a second run finds every feature cached;
 * pause and resume; cancel leaves a 'cancelled' checkpoint and no head; a stored checkpoint resumes to the end; the
 * guard rails name the labels at fault; a stored head is evaluated on a split. No tensor outlives a run.
 */
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { IDBFactory } from 'fake-indexeddb';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClip } from '../../cli/audio-file';
import { AppError } from '../../src/core/errors';
import { IdbClipLibrary } from '../../src/data/library/idb-library';
import type { NewClip, SplitName } from '../../src/data/library/library-types';
import { decodeCheckpoint } from '../../src/mmer/checkpoint';
import { initNodeEngine } from '../../src/mmer/engine-node';
import { pairIdentity, measureWidths, type PairIdentity } from '../../src/inference/head-target';
import { evaluateHeadOnLibrary } from '../../src/training/library-eval';
import { trainOnLibrary, type LibraryTrainDeps } from '../../src/training/library-train';
import type { EncoderPair } from '../../src/inference/load-encoders';
import { loadNodeAudioGraph, loadNodeEncoders } from '../../src/inference/node';
import { RunSwitch } from '../../src/training/train-control';
import { DEFAULT_TRAIN_SETTINGS } from '../../src/training/train-settings';
import { parseManifest } from '../../src/runtime/manifest-parse';
import type { TrainEvent, TrainOutcome, TrainSettings } from '../../src/worker-api/training-protocol';
import { REPO_ROOT, ravdessClip } from '../shared-data';
import { ensureFixtures } from './fixtures-on-disk';
import { uaOfConfusion } from '../metric-checks';

const SETTINGS: TrainSettings = {
  ...DEFAULT_TRAIN_SETTINGS,
  headName: 'RAVDESS test head',
  labels: ['sad', 'angry'],
  epochs: 2,
  batchSize: 4,
  warmupSteps: 0,
  patience: 0,
};
const EMOTIONS = [
  ['04', 'sad'],
  ['05', 'angry'],
] as const;
const STATEMENTS = ['Kids are talking by the door', 'Dogs are sitting by the door'];

let encoders: EncoderPair;
let identity: PairIdentity;
let engine: LibraryTrainDeps['engine'];
const clips: NewClip[] = [];

async function clip(
  actor: string,
  code: string,
  label: string | null,
  statement: 1 | 2,
  split: SplitName,
): Promise<NewClip> {
  const name = `03-01-${code}-01-0${String(statement)}-01-${actor}.wav`;
  const pcm = await readClip(ravdessClip(`Actor_${actor}/${name}`));
  return {
    name,
    label,
    transcript: STATEMENTS[statement - 1] ?? null,
    transcriptSource: 'filename',
    speaker: actor,
    split,
    source: 'folder',
    pcm,
    original: null,
  };
}

async function library(newClips: readonly NewClip[] = clips): Promise<IdbClipLibrary> {
  const lib = await IdbClipLibrary.open({ factory: new IDBFactory() });
  await lib.addClips(newClips);
  return lib;
}

const deps = (lib: IdbClipLibrary): LibraryTrainDeps => ({
  library: lib,
  encoders,
  identity,
  audioGraph: () => Promise.resolve(null),
  engine,
});

beforeAll(async () => {
  engine = (await initNodeEngine()).backend;
  tf.enableProdMode();
  encoders = await loadNodeEncoders({ pair: 'lite' });
  identity = pairIdentity(
    parseManifest(JSON.parse(readFileSync(`${REPO_ROOT}/public/models/manifest.json`, 'utf8'))),
    'lite',
  );
  for (const actor of ['01', '02'])
    for (const [code, label] of EMOTIONS)
      for (const s of [1, 2] as const) clips.push(await clip(actor, code, label, s, 'train'));
  for (const [code, label] of EMOTIONS) clips.push(await clip('03', code, label, 1, 'validation'));
  for (const [code, label] of EMOTIONS) clips.push(await clip('04', code, label, 1, 'test'));
  // A label outside the set: counted out of training, skipped by evaluation.
  clips.push(await clip('04', '03', 'happy', 1, 'test'));
});

describe('training on the library', () => {
  let lib: IdbClipLibrary;
  beforeAll(async () => {
    lib = await library();
  });
  afterAll(() => {
    lib.close();
  });

  type FirstRun = { events: TrainEvent[]; outcome: TrainOutcome; leaked: number };
  let first: Promise<FirstRun> | null = null;
  /** The library's first run (paused and resumed once), made once per file; every test below also runs alone. */
  const firstRun = (): Promise<FirstRun> =>
    (first ??= (async () => {
      const events: TrainEvent[] = [];
      const control = new RunSwitch((e) => {
        events.push(e);
        if (e.kind === 'step' && e.epoch === 1 && e.step === 1) control.pause();
        if (e.kind === 'paused') {
          setTimeout(() => {
            control.resume();
          }, 20);
        }
      });
      const before = tf.memory().numTensors;
      const t0 = performance.now();
      const outcome = await trainOnLibrary(deps(lib), { settings: SETTINGS }, control);
      console.info(`library run: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return { events, outcome, leaked: tf.memory().numTensors - before };
    })());
  const trainedHead = async (): Promise<string> => {
    const { outcome } = await firstRun();
    if (outcome.kind !== 'done') throw new Error('the run did not finish');
    return outcome.headId;
  };

  it('trains, pauses and resumes, reports in order, stores a head that decodes, and frees every tensor', async () => {
    const { events, outcome, leaked } = await firstRun();
    expect(leaked).toBe(0);
    if (outcome.kind !== 'done') throw new Error('the run did not finish');
    const headId = outcome.headId;

    const kinds = events.map((e) => e.kind);
    expect(kinds[0]).toBe('started');
    expect(events[0]).toMatchObject({
      kind: 'started',
      engine,
      resumedFromEpoch: null,
      clips: { train: 8, validation: 2, test: 2 },
    });
    // Off WebGPU the run measures the engine and estimates its slowdown against a GPU.
    const started = events[0];
    if (started?.kind !== 'started' || started.offGpu === null) throw new Error('no off-GPU estimate');
    expect(started.offGpu.gflops).toBeGreaterThan(0);
    expect(started.offGpu.low).toBeGreaterThanOrEqual(1);
    expect(started.offGpu.high).toBeGreaterThan(started.offGpu.low);
    expect(events).toContainEqual({
      kind: 'notice',
      message: expect.stringMatching(/1 clip\(s\) with labels outside the active set/) as unknown,
    });
    const at = (pred: (e: TrainEvent) => boolean): number => events.findIndex(pred);
    expect(at((e) => e.kind === 'features')).toBeLessThan(at((e) => e.kind === 'step'));
    expect(events.filter((e) => e.kind === 'features').at(-1)).toEqual({
      kind: 'features',
      done: 10,
      total: 10,
      cached: 0,
    });
    expect(kinds.indexOf('paused')).toBeGreaterThan(kinds.indexOf('step'));
    expect(kinds.indexOf('resumed')).toBeGreaterThan(kinds.indexOf('paused'));
    const epochs = events.filter((e) => e.kind === 'epoch');
    expect(epochs.map((e) => [e.epoch, e.checkpointSaved])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(at((e) => e.kind === 'epoch' && e.epoch === 1)).toBeLessThan(at((e) => e.kind === 'step' && e.epoch === 2));
    for (const e of events) {
      if (e.kind === 'step') {
        expect(Number.isFinite(e.loss.total)).toBe(true);
        expect(e.loss.ce).toBeGreaterThan(0);
        expect(e.loss.ctc).toBeGreaterThan(0);
        expect(e).toMatchObject({ epochs: 2, steps: 2 });
        expect(e.clipsPerSecond).toBeGreaterThan(0);
      }
      // Two validation clips of the two labels: a mean of per-label recalls over them can only be 0, 1/2 or 1.
      if (e.kind === 'epoch') expect([0, 0.5, 1]).toContain(e.validation?.ua);
    }
    expect(events.filter((e) => e.kind === 'step').at(-1)).toMatchObject({ etaSeconds: 0 });

    const heads = await lib.listHeads();
    expect(heads).toEqual([
      expect.objectContaining({
        id: headId,
        name: SETTINGS.headName,
        pair: 'lite',
        labels: ['sad', 'angry'],
        origin: 'trained',
      }),
    ]);
    const files = await lib.getHeadFiles(headId);
    if (files === null) throw new Error('no head files');
    const { manifest, params } = decodeCheckpoint(files.configJson, files.weights);
    params.dispose();
    expect(manifest.encoders).toEqual({
      pair: 'lite',
      audio: 'lite-acoustic',
      text: 'lite-ngram',
      hiddenStateLayer: 'head-input',
    });
    // The lite pair's utterance statistics reach the head, normalised on the run's own training clips.
    expect(manifest.config.utterance?.dim).toBe(636);
    expect(manifest.training).toMatchObject({
      epochs: 2,
      batchSize: 4,
      trainClips: 8,
      validationClips: 2,
      testClips: 2,
      engine,
      runId: outcome.runId,
    });
    expect(manifest.metrics).toMatchObject({ epoch: outcome.bestEpoch, ua: outcome.validation?.ua });
    expect((await lib.getCheckpoint(outcome.runId))?.status).toBe('done');
  }, 120_000);

  it('finds every feature in the cache on a second run', async () => {
    await firstRun();
    const events: TrainEvent[] = [];
    const outcome = await trainOnLibrary(
      deps(lib),
      { settings: { ...SETTINGS, epochs: 1 } },
      new RunSwitch((e) => events.push(e)),
    );
    expect(outcome.kind).toBe('done');
    expect(events.filter((e) => e.kind === 'features').at(-1)).toEqual({
      kind: 'features',
      done: 10,
      total: 10,
      cached: 10,
    });
  }, 60_000);

  it('evaluates a stored head on a split, skipping clips of other labels', async () => {
    const headId = await trainedHead();
    const target = { ...identity, ...(await measureWidths(encoders)) };
    const before = tf.memory().numTensors;
    const ev = await evaluateHeadOnLibrary({ library: lib, encoders, target }, headId, 'test');
    expect(tf.memory().numTensors).toBe(before);
    expect(ev.labels).toEqual(['sad', 'angry']);
    expect(ev.confusion.flat().reduce((a, b) => a + b, 0)).toBe(2);
    expect(ev.predictions).toHaveLength(2);
    expect(ev.skipped).toEqual([
      { clipId: expect.any(String) as unknown, reason: 'its label "happy" is not one of the head\'s labels' },
    ]);
    for (const p of ev.predictions) expect(p.scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(ev.metrics.ua).toBeCloseTo(uaOfConfusion(ev.confusion), 10);
    await expect(
      evaluateHeadOnLibrary({ library: lib, encoders, target: { ...target, audioDim: 7 } }, headId, 'test'),
    ).rejects.toMatchObject({ code: 'bad-model' });
  });
});

describe('stopping and resuming', () => {
  it('cancel after the first epoch leaves a cancelled checkpoint and no head; a stored checkpoint resumes to the end', async () => {
    const lib = await library();
    const events: TrainEvent[] = [];
    let resolvePaused: () => void = () => undefined;
    const paused = new Promise<void>((r) => (resolvePaused = r));
    const control = new RunSwitch((e) => {
      events.push(e);
      if (e.kind === 'epoch') control.pause();
      if (e.kind === 'paused') resolvePaused();
    });
    const before = tf.memory().numTensors;
    const running = trainOnLibrary(deps(lib), { settings: SETTINGS }, control);
    await paused;
    const started = events[0];
    if (started?.kind !== 'started') throw new Error('no started event');
    // What a crash at this point would leave behind: the checkpoint of epoch 1, still 'running'.
    const crashed = await lib.getCheckpoint(started.runId);
    expect(crashed).toMatchObject({ epoch: 1, status: 'running', sinceBest: 0 });
    control.cancel();
    expect(await running).toEqual({ kind: 'cancelled', runId: started.runId });
    expect(tf.memory().numTensors).toBe(before);
    expect((await lib.getCheckpoint(started.runId))?.status).toBe('cancelled');
    expect(await lib.listHeads()).toEqual([]);
    await expect(
      trainOnLibrary(deps(lib), { settings: SETTINGS, resumeRunId: started.runId }, new RunSwitch(() => undefined)),
    ).rejects.toMatchObject({ code: 'training' });

    if (crashed === null) throw new Error('no checkpoint');
    await lib.putCheckpoint(crashed);
    const resumed: TrainEvent[] = [];
    // The request's settings are ignored: a resumed run keeps its own.
    const outcome = await trainOnLibrary(
      deps(lib),
      { settings: { ...SETTINGS, epochs: 9 }, resumeRunId: started.runId },
      new RunSwitch((e) => resumed.push(e)),
    );
    expect(outcome).toMatchObject({ kind: 'done', runId: started.runId });
    expect(resumed[0]).toMatchObject({ kind: 'started', runId: started.runId, resumedFromEpoch: 1 });
    expect(resumed.filter((e) => e.kind === 'step' && e.epoch !== 2)).toEqual([]);
    // Epoch 1 is replayed from the checkpoint (for the charts), checkpointed; epoch 2 is trained now.
    expect(resumed.filter((e) => e.kind === 'epoch').map((e) => [e.epoch, e.checkpointSaved])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(resumed.findIndex((e) => e.kind === 'epoch')).toBeLessThan(resumed.findIndex((e) => e.kind === 'step'));
    expect(await lib.getCheckpoint(started.runId)).toMatchObject({
      status: 'done',
      epoch: 2,
      history: [expect.objectContaining({ epoch: 1 }), expect.objectContaining({ epoch: 2 })],
    });
    expect(await lib.listHeads()).toHaveLength(1);
    expect(tf.memory().numTensors).toBe(before);

    // A damaged checkpoint, or one of another pair, is refused with the reason.
    const resume = async (settings: Record<string, unknown>): Promise<unknown> => {
      await lib.putCheckpoint({ ...crashed, runId: 'other', settings });
      return trainOnLibrary(
        deps(lib),
        { settings: SETTINGS, resumeRunId: 'other' },
        new RunSwitch(() => undefined),
      ).catch((err: unknown) => err);
    };
    expect(await resume({ ...crashed.settings, run: null })).toMatchObject({
      code: 'training',
      message: expect.stringMatching(/cannot be resumed: its settings lack/) as unknown,
    });
    const run = crashed.settings.run as Record<string, unknown>;
    expect(
      await resume({ ...crashed.settings, run: { ...run, encoders: { ...identity, pair: 'base' } } }),
    ).toMatchObject({ code: 'training', message: expect.stringMatching(/trains on the "base" models/) as unknown });
    lib.close();
  }, 120_000);
});

describe('an ONNX pair', () => {
  it('trains the encoder layers the loaded cut leaves above it, starting from the graph, and says so', async () => {
    // The fixture models are generated files: write them if missing (pipeline.test.ts may be writing them right now).
    await ensureFixtures();
    const fixture = await loadNodeEncoders({ pair: 'fixture' });
    const manifest = parseManifest(JSON.parse(readFileSync(`${REPO_ROOT}/public/models/manifest.json`, 'utf8')));
    const lib = await library(clips.filter((c) => c.split !== 'test'));
    const events: TrainEvent[] = [];
    const run: LibraryTrainDeps = {
      library: lib,
      encoders: fixture,
      identity: pairIdentity(manifest, 'fixture'),
      audioGraph: () => loadNodeAudioGraph({ pair: 'fixture' }),
      engine,
    };
    const outcome = await trainOnLibrary(
      run,
      { settings: { ...SETTINGS, epochs: 1, encoderLayers: 3 } },
      new RunSwitch((e) => events.push(e)),
    );
    if (outcome.kind !== 'done') throw new Error('the run did not finish');
    expect(events).toContainEqual({
      kind: 'notice',
      message:
        'The loaded wav2vec2-tiny-fixture is cut below its top 1 layer(s), so 1 audio layer(s) train (the settings ask for 3).',
    });
    const files = await lib.getHeadFiles(outcome.headId);
    if (files === null) throw new Error('no head files');
    const { manifest: head, params } = decodeCheckpoint(files.configJson, files.weights);
    params.dispose();
    // The fixture graph has two layers and exposes layer 0: the head runs layer 1 at the encoder's width.
    expect(head.encoders.hiddenStateLayer).toBe(0);
    expect(head.config).toMatchObject({ encoderLayers: 1, encoderHeads: 2, encoderFfn: 64, audioDim: 32, hidden: 32 });
    await Promise.all([fixture.audio.dispose(), fixture.text.dispose()]);
    lib.close();
  }, 60_000);
});

describe('guard rails', () => {
  const refusal = async (newClips: readonly NewClip[], settings: TrainSettings): Promise<AppError> => {
    const lib = await library(newClips);
    try {
      await trainOnLibrary(deps(lib), { settings }, new RunSwitch(() => undefined));
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    } finally {
      lib.close();
    }
    throw new Error('the run was not refused');
  };

  it('refuses a library with clips of one label only, naming it', async () => {
    const err = await refusal(
      clips.filter((c) => c.label === 'sad'),
      SETTINGS,
    );
    expect(err.code).toBe('training');
    expect(err.message).toMatch(/Only "sad" has training clips/);
  });

  it('refuses labels with too few training clips, naming them with their counts', async () => {
    const err = await refusal(clips, { ...SETTINGS, minClipsPerLabel: 5 });
    expect(err.code).toBe('training');
    expect(err.message).toMatch(/sad has 4, angry has 4/);
  });
});
