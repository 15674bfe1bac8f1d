/**
 * Fine-tuning through the real worker (lite pair, WASM): the page adds RAVDESS clips to the IndexedDB library (same
 * origin, same database as the worker), the worker trains one epoch on them and stores a head there, and evaluates
 * it on the validation split; with the fixture pair, the head's encoder layer starts from the worker's graph. Labels
 * unique to this test keep other clips in the database out of the run; the test
 * removes what it added.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { downmix } from '../../src/audio/downmix';
import { resample } from '../../src/audio/resample';
import { decodeWav } from '../../src/audio/wav';
import type { Result } from '../../src/core/errors';
import { IdbClipLibrary } from '../../src/data/library/idb-library';
import type { LibraryClip, NewClip, SplitName } from '../../src/data/library/library-types';
import { createMlClient } from '../../src/worker-api/client';
import type { MlClient } from '../../src/worker-api/client-types';
import { DEFAULT_TRAIN_SETTINGS } from '../../src/training/train-settings';
import { BUILTIN_PREFIX, type TrainEvent } from '../../src/worker-api/training-protocol';

const TAG = `lt${String(Date.now() % 100_000)}`;
const LABELS = [`${TAG}-sad`, `${TAG}-angry`];

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

async function ravdess(actor: string, code: string, statement: 1 | 2): Promise<Float32Array> {
  const b64 = await commands.readRavdess(`Actor_${actor}/03-01-${code}-01-0${String(statement)}-01-${actor}.wav`);
  const wav = decodeWav(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  return resample(downmix(wav.channels), wav.sampleRate, 16_000);
}

describe('training in the worker on the library', () => {
  let client: MlClient;
  let library: IdbClipLibrary;
  let added: LibraryClip[] = [];
  let headId: string | null = null;
  let runId: string | null = null;
  /** The lite pair's built-in head (the manifest's first head for it), active after init. */
  let builtinLite: string | null = null;

  beforeAll(async () => {
    library = await IdbClipLibrary.open();
    const clips: NewClip[] = [];
    const add = async (
      actor: string,
      code: string,
      label: string,
      statement: 1 | 2,
      split: SplitName,
    ): Promise<void> => {
      clips.push({
        name: `${TAG} ${actor}-${code}-${String(statement)}`,
        label,
        transcript: null,
        transcriptSource: null,
        speaker: `${TAG}-${actor}`,
        split,
        source: 'file',
        pcm: await ravdess(actor, code, statement),
        original: null,
      });
    };
    for (const [code, label] of [
      ['04', LABELS[0] ?? ''],
      ['05', LABELS[1] ?? ''],
    ] as const) {
      for (const [actor, statement] of [
        ['01', 1],
        ['01', 2],
        ['02', 1],
      ] as const)
        await add(actor, code, label, statement, 'train');
      await add('03', code, label, 1, 'validation');
    }
    added = await library.addClips(clips);
    client = createMlClient();
    unwrap(await client.init({ pair: 'lite', manifestUrl: '/models/manifest.json', backend: 'wasm' }, () => undefined));
    builtinLite = unwrap(await client.headStatus()).head?.builtinId ?? null;
  });

  afterAll(async () => {
    client.dispose();
    await library.deleteClips(added.map((c) => c.id));
    if (headId !== null) await library.deleteHead(headId);
    if (runId !== null) await library.deleteCheckpoint(runId);
    library.close();
  });

  it('trains one epoch, reporting as it goes, and stores the head in the library', async () => {
    const events: TrainEvent[] = [];
    const settings = {
      ...DEFAULT_TRAIN_SETTINGS,
      headName: `${TAG} head`,
      labels: LABELS,
      epochs: 1,
      batchSize: 4,
      warmupSteps: 0,
    };
    const t0 = performance.now();
    const outcome = unwrap(await client.train({ settings }, (e) => events.push(e)));
    console.info(
      `worker training run (lite, wasm, 8 clips, 1 epoch): ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    if (outcome.kind !== 'done') throw new Error('the run did not finish');
    headId = outcome.headId;
    runId = outcome.runId;
    expect(events[0]).toMatchObject({
      kind: 'started',
      engine: 'wasm',
      resumedFromEpoch: null,
      clips: { train: 6, validation: 2, test: 0 },
    });
    expect(events).toContainEqual({ kind: 'notice', message: 'CTC is off: no clip has a transcript.' });
    expect(events.filter((e) => e.kind === 'features').at(-1)).toMatchObject({ done: 8, total: 8 });
    const steps = events.filter((e) => e.kind === 'step');
    expect(steps.map((s) => s.step)).toEqual([1, 2]);
    expect(steps.map((s) => [Number.isFinite(s.loss.total), s.loss.ctc])).toEqual([
      [true, 0],
      [true, 0],
    ]);
    expect(events.at(-1)).toMatchObject({ kind: 'epoch', epoch: 1, checkpointSaved: true });

    const head = (await library.listHeads()).find((h) => h.id === outcome.headId);
    expect(head).toMatchObject({ name: `${TAG} head`, pair: 'lite', labels: LABELS, origin: 'trained' });
    expect(head?.training).toMatchObject({ trainClips: 6, validationClips: 2, engine: 'wasm' });
    expect((await library.getCheckpoint(outcome.runId))?.status).toBe('done');

    // A second run while one is going is refused.
    const first = client.train({ settings }, () => undefined);
    const second = await client.train({ settings }, () => undefined);
    expect(second).toMatchObject({ ok: false, error: { code: 'training' } });
    unwrap(await client.cancelTraining());
    const cancelled = unwrap(await first);
    expect(cancelled.kind).toBe('cancelled');
    await library.deleteCheckpoint(cancelled.runId);
  });

  it('evaluates the stored head on the validation split', async () => {
    if (headId === null) throw new Error('no head trained');
    const ev = unwrap(await client.evaluateHead(headId, 'validation'));
    expect(ev.labels).toEqual(LABELS);
    expect(ev.predictions).toHaveLength(2);
    expect(ev.confusion.flat().reduce((a, b) => a + b, 0)).toBe(2);
    // Other clips of the database may sit in the validation split; none of this test's is skipped.
    expect(ev.skipped.filter((s) => added.some((c) => c.id === s.clipId))).toEqual([]);
    // The active head (the lite pair's shipped head) is untouched.
    expect(unwrap(await client.headStatus()).head?.builtinId).toBe(builtinLite);
  });

  it('starts a run from the shipped head (labels carried by name, its utterance normalisation kept); refuses one that shares no label', async () => {
    if (builtinLite === null) throw new Error('the lite pair has no shipped head');
    const startFrom = `${BUILTIN_PREFIX}${builtinLite}`;
    const base = { ...DEFAULT_TRAIN_SETTINGS, epochs: 1, batchSize: 4, warmupSteps: 0, startFrom };
    const refusedEvents: TrainEvent[] = [];
    const refused = await client.train({ settings: { ...base, headName: `${TAG} refused`, labels: LABELS } }, (e) =>
      refusedEvents.push(e),
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'training' } });
    if (!refused.ok) expect(refused.error.message).toMatch(/none of this run's/);

    // The same clips under two of the shipped head's own labels (speakers unique to this test).
    const named = ['sad', 'angry'];
    const clips: NewClip[] = [];
    for (const [code, label] of [
      ['04', 'sad'],
      ['05', 'angry'],
    ] as const) {
      for (const [actor, statement, split] of [
        ['01', 1, 'train'],
        ['01', 2, 'train'],
        ['02', 1, 'train'],
        ['03', 1, 'validation'],
      ] as const) {
        clips.push({
          name: `${TAG} named ${actor}-${code}-${String(statement)}`,
          label,
          transcript: null,
          transcriptSource: null,
          speaker: `${TAG}-${actor}`,
          split,
          source: 'file',
          pcm: await ravdess(actor, code, statement),
          original: null,
        });
      }
    }
    const extra = await library.addClips(clips);
    try {
      const events: TrainEvent[] = [];
      const outcome = unwrap(
        await client.train({ settings: { ...base, headName: `${TAG} from shipped`, labels: named } }, (e) =>
          events.push(e),
        ),
      );
      if (outcome.kind !== 'done') throw new Error('the run did not finish');
      const files = await library.getHeadFiles(outcome.headId);
      await library.deleteHead(outcome.headId);
      await library.deleteCheckpoint(outcome.runId);
      expect(events).toContainEqual({
        kind: 'notice',
        message: `Starting from ${startFrom}: 2 label(s) carried over (sad, angry).`,
      });
      // Scoring never fetched the head's training-only file; the first run that starts from the head does, and says
      // so before the bytes come (the second finds it in the cache).
      const downloads = [...refusedEvents, ...events].flatMap((e) => (e.kind === 'download' ? [e.file] : []));
      expect(downloads).toEqual([`heads/${builtinLite}/training.safetensors`]);
      expect(events.filter((e) => e.kind === 'notice' && e.message.includes('came without'))).toEqual([]);
      type Config = { config: { labels: string[]; hidden: number; utterance?: { global: unknown } } };
      const trained = JSON.parse(files?.configJson ?? '{}') as Config;
      const shipped = (await fetch(`/models/heads/${builtinLite}/config.json`).then((r) => r.json())) as Config;
      expect(trained.config.labels).toEqual(named);
      expect(trained.config.hidden).toBe(shipped.config.hidden);
      // Fitted on 6 clips, the statistics would differ; kept, they are the shipped head's.
      expect(trained.config.utterance?.global).toEqual(shipped.config.utterance?.global);
    } finally {
      await library.deleteClips(extra.map((c) => c.id));
    }
  });

  it('with an ONNX pair, starts the encoder layer above the cut from the graph the worker runs', async () => {
    unwrap(
      await client.init({ pair: 'fixture', manifestUrl: '/models/manifest.json', backend: 'wasm' }, () => undefined),
    );
    const settings = {
      ...DEFAULT_TRAIN_SETTINGS,
      headName: `${TAG} fixture head`,
      labels: LABELS,
      epochs: 1,
      batchSize: 4,
      encoderLayers: 1,
    };
    const outcome = unwrap(await client.train({ settings }, () => undefined));
    if (outcome.kind !== 'done') throw new Error('the run did not finish');
    const files = await library.getHeadFiles(outcome.headId);
    await library.deleteHead(outcome.headId);
    await library.deleteCheckpoint(outcome.runId);
    const config = (JSON.parse(files?.configJson ?? '{}') as { config?: Record<string, unknown> }).config;
    expect(config).toMatchObject({ encoderLayers: 1, audioDim: 32, hidden: 32 });
  });

  it('moves the audio cut for a run with other trainable layers, and for a head trained there', async () => {
    // The fixture pair loads cut below its top layer (k = 1); k = 0 reads the CTC head's input instead.
    const events: TrainEvent[] = [];
    const settings = {
      ...DEFAULT_TRAIN_SETTINGS,
      headName: `${TAG} k0 head`,
      labels: LABELS,
      epochs: 1,
      batchSize: 4,
      encoderLayers: 0,
    };
    const outcome = unwrap(await client.train({ settings }, (e) => events.push(e)));
    if (outcome.kind !== 'done') throw new Error('the run did not finish');
    const files = await library.getHeadFiles(outcome.headId);
    await library.deleteHead(outcome.headId);
    await library.deleteCheckpoint(outcome.runId);
    if (files === null) throw new Error('no head stored');
    const manifest = JSON.parse(files.configJson) as {
      config: Record<string, unknown>;
      encoders: { hiddenStateLayer: unknown };
    };
    expect(manifest.encoders.hiddenStateLayer).toBe('head-input');
    expect(manifest.config.encoderLayers ?? 0).toBe(0);
    // The run got the layers it asked for, so there is no notice about a different number.
    expect(events.filter((e) => e.kind === 'notice' && /layer\(s\) train/.test(e.message))).toEqual([]);

    // The k = 0 head loads (the worker is cut at the head's input now) and scores a clip there.
    const k0 = unwrap(
      await client.loadHead({ configJson: files.configJson, weights: files.weights, source: 'k0 head' }),
    );
    expect(k0.labels).toEqual(LABELS);
    unwrap(await client.analyse(await ravdess('01', '05', 1)));
    const scored = unwrap(await client.classifyLast());
    expect(scored?.emotion.map((s) => s.label).sort()).toEqual([...LABELS].sort());

    // The built-in fixture head reads layer 0: loading it moves the cut back, and it scores a clip too.
    const builtin = await fetch('/models/fixtures/heads/fixture/config.json').then((r) => r.text());
    const raw: ArrayBuffer = await (await fetch('/models/fixtures/heads/fixture/model.safetensors')).arrayBuffer();
    const weights = new Uint8Array(raw);
    unwrap(await client.loadHead({ configJson: builtin, weights, source: 'fixture head' }));
    unwrap(await client.analyse(await ravdess('01', '04', 1)));
    expect(unwrap(await client.classifyLast())).not.toBeNull();
  });

  it('settles a run with worker-crashed when the worker dies', async () => {
    const settings = {
      ...DEFAULT_TRAIN_SETTINGS,
      headName: `${TAG} crash head`,
      labels: LABELS,
      epochs: 1,
      batchSize: 4,
    };
    const running = client.train({ settings }, () => undefined);
    await client.debugCrash('now');
    expect(await running).toMatchObject({ ok: false, error: { code: 'worker-crashed' } });
    const left = await library.latestCheckpoint();
    if (left !== null && left.settings.headName === settings.headName) await library.deleteCheckpoint(left.runId);
  });
});
