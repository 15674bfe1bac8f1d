/**
 * Fine-tuning an MMER head on the clip library, in the ML worker (or in Node for tests): the guard rails, features
 * through the library's cache, `fit` with pause/cancel at every step, a checkpoint after every epoch (so a reload or
 * a crash loses at most one epoch), and at the end the head in the library, in the same two files the CLI writes.
 * Engine-agnostic: the caller has started TensorFlow.js; no DOM-only API is used.
 */
import { AppError } from '../core/errors';
import type { StoredHeadInfo, TrainCheckpoint } from '../data/library/library-types';
import { encodeCheckpoint } from '../mmer/checkpoint';
import { ctcVocab } from './examples';
import { layersAbove } from '../runtime/manifest';
import { ParamStore } from '../mmer/params';
import type { ClassMetrics } from '../mmer/metrics';
import { fit, type FitState, type TrainExample } from '../mmer/trainer';
import type { HeadEngine } from '../worker-api/protocol';
import type { MetricsSummary, TrainOutcome, TrainRequest, TrainSettings } from '../worker-api/training-protocol';
import { fitOptions, headManifest, lossWeights } from './head-config';
import { newHead } from './new-head';
import type { EncoderGraph } from '../inference/load-encoders';
import type { PairIdentity } from '../inference/head-target';
import type { ClipEncoding } from './library-features';
import { encodePlan, offGpuEstimate, planRun } from './run-plan';
import { checkpointOf, readCheckpoint, type ResumableRun, type StoredRunSettings } from './train-checkpoint';
import { passGate, RunCancelled, type TrainControl } from './train-control';
import { checkTrainSettings } from './train-settings';
import { UTTERANCE_DROPOUT, warmStartFrom, withProfiles, type HeadFileSource } from './library-warm-start';

/** What a run needs besides the request: the library, the loaded encoders and where the engine runs. */
export interface LibraryTrainDeps extends ClipEncoding {
  /**
   * The audio encoder's graph, to start the head's encoder layers and CTC head from its weights; resolves null for
   * encoders without one (lite). Only read by new runs.
   */
  readonly audioGraph: () => Promise<EncoderGraph | null>;
  /** The engine backend TensorFlow.js runs on (already started by the caller). */
  readonly engine: HeadEngine;
  /** A head's two files by id, for runs that start from a trained head (`TrainSettings.startFrom`). */
  readonly headFiles?: HeadFileSource['headFiles'];
}

const sameIdentity = (a: PairIdentity, b: PairIdentity): boolean =>
  a.pair === b.pair && a.audio === b.audio && a.text === b.text && a.hiddenStateLayer === b.hiddenStateLayer;

async function resumable(
  deps: LibraryTrainDeps,
  runId: string,
): Promise<ResumableRun & { checkpoint: TrainCheckpoint }> {
  const checkpoint = await deps.library.getCheckpoint(runId);
  if (checkpoint === null)
    throw new AppError('training', `There is no checkpoint of run ${runId} to resume (it may have been deleted).`);
  const run = readCheckpoint(checkpoint);
  const e = run.settings.run.encoders;
  if (!sameIdentity(e, deps.identity)) {
    throw new AppError(
      'training',
      `Run ${runId} trains on the "${e.pair}" models (${e.audio} + ${e.text}); load them to resume it (the page now has "${deps.identity.pair}").`,
    );
  }
  return { ...run, checkpoint };
}

/**
 * The parameters a run starts from and what its head is built from: a resumed run's stored ones, or a fresh head
 * for the loaded pair, its encoder layers and CTC head read from the audio graph where there is one.
 */
async function startingPoint(
  deps: LibraryTrainDeps,
  s: TrainSettings,
  first: TrainExample,
  trainSet: readonly TrainExample[],
  trainSpeakers: readonly string[],
  stored: ResumableRun | null,
  emit: TrainControl['onEvent'],
): Promise<{ params: ParamStore; run: StoredRunSettings['run']; trainSet: TrainExample[] }> {
  if (stored !== null) {
    const run = stored.settings.run;
    if (run.config.audioDim !== first.audio.dim || run.config.textDim !== first.text.dim) {
      throw new AppError(
        'training',
        `This run was trained on ${String(run.config.audioDim)}/${String(run.config.textDim)}-value features, but the loaded models give ${String(first.audio.dim)}/${String(first.text.dim)}.`,
      );
    }
    return {
      params: ParamStore.load(run.config, stored.params),
      run,
      trainSet: withProfiles(run.config, trainSet, trainSpeakers),
    };
  }
  const noCtc = trainSet.every((e) => e.ctcTarget === null);
  const loss = { ...lossWeights(s), ctc: noCtc ? 0 : s.ctcWeight };
  if (s.startFrom !== undefined && s.startFrom !== null) {
    const start = await warmStartFrom(deps, s, emit);
    const run = { encoders: deps.identity, config: start.config, loss, vocab: ctcVocab(deps.encoders) };
    return { params: start.params, run, trainSet: withProfiles(start.config, trainSet, trainSpeakers) };
  }
  const graph = await deps.audioGraph();
  const k = graph === null ? 0 : layersAbove(deps.identity.hiddenStateLayer, graph.entry.numLayers);
  if (graph !== null && k !== s.encoderLayers) {
    emit({
      kind: 'notice',
      message: `The loaded ${deps.identity.audio} is cut below its top ${String(k)} layer(s), so ${String(k)} audio layer(s) train (the settings ask for ${String(s.encoderLayers)}).`,
    });
  }
  const head = newHead({
    labels: s.labels,
    dims: { audio: first.audio.dim, text: first.text.dim },
    featureSet: deps.encoders.audio.utterance ?? null,
    graph,
    encoderLayers: k,
    train: trainSet,
    speakers: trainSpeakers,
    utteranceDropout: UTTERANCE_DROPOUT,
    seed: s.seed,
  });
  return {
    params: head.params,
    run: { encoders: deps.identity, config: head.config, loss, vocab: ctcVocab(deps.encoders) },
    trainSet: head.train,
  };
}

const summary = (m: ClassMetrics): MetricsSummary => ({ ua: m.ua, wa: m.wa, macroF1: m.macroF1 });

/**
 * Trains a head on the library's labelled clips (or resumes `request.resumeRunId` with its stored settings) and
 * stores it in the library. Events go to `control.onEvent`; pause and cancel are read from `control` before every
 * step and every clip encoded. A cancelled run stores no head and marks its checkpoint (if an epoch was saved)
 * 'cancelled'.
 * @throws AppError('training') for a library that cannot train a head (naming the labels and counts at fault),
 *   AppError('bad-dataset') for settings out of range, AppError('storage-full') when the head cannot be stored.
 */
export async function trainOnLibrary(
  deps: LibraryTrainDeps,
  request: TrainRequest,
  control: TrainControl,
): Promise<TrainOutcome> {
  const stored = request.resumeRunId === undefined ? null : await resumable(deps, request.resumeRunId);
  const settings: TrainSettings = stored?.settings ?? request.settings;
  checkTrainSettings(settings);
  const runId = stored?.checkpoint.runId ?? `run-${crypto.randomUUID()}`;
  const emit = control.onEvent.bind(control);
  let pausedMs = 0;
  const gate = async (): Promise<void> => {
    pausedMs += await passGate(control);
  };
  let last: TrainCheckpoint | null = stored?.checkpoint ?? null;
  const mark = async (status: TrainCheckpoint['status']): Promise<void> => {
    if (last === null) return;
    // Best effort: the outcome stands even if the mark cannot be written.
    await deps.library.putCheckpoint({ ...last, status, updatedAt: new Date().toISOString() }).catch(() => undefined);
  };

  let params: ParamStore | null = null;
  try {
    const plan = await planRun(deps, settings);
    const offGpu = deps.engine === 'webgpu' ? null : await offGpuEstimate();
    emit({
      kind: 'started',
      runId,
      engine: deps.engine,
      offGpu,
      resumedFromEpoch: stored?.checkpoint.epoch ?? null,
      clips: plan.counts,
    });
    for (const message of plan.notices) emit({ kind: 'notice', message });
    // A resumed run's earlier epochs, so the charts show the whole run and not only what follows the resume.
    for (const h of stored?.resume.history ?? []) {
      emit({
        kind: 'epoch',
        epoch: h.epoch,
        loss: h.loss,
        validation: h.validation === null ? null : summary(h.validation),
        checkpointSaved: true,
      });
    }

    const encoded = await encodePlan(deps, plan, settings, gate, emit);
    const { validationSet } = encoded;
    const first = encoded.trainSet[0];
    if (first === undefined) throw new AppError('training', 'No training clip could be encoded.');

    const {
      params: store,
      run,
      trainSet,
    } = await startingPoint(deps, settings, first, encoded.trainSet, encoded.trainSpeakers, stored, emit);
    params = store;
    const runSettings: StoredRunSettings = { ...settings, labels: [...settings.labels], pair: deps.identity.pair, run };

    const n = trainSet.length;
    const startedAt = performance.now();
    const pausedBefore = pausedMs;
    let clipsDone = 0;
    const result = await fit(store, run.config, trainSet, validationSet, {
      ...fitOptions(settings, n),
      loss: run.loss,
      ...(stored === null ? {} : { resume: stored.resume }),
      beforeStep: gate,
      onStep: ({ epoch, step, steps, loss }) => {
        const inEpoch = Math.min(n, step * settings.batchSize);
        clipsDone += inEpoch - Math.min(n, (step - 1) * settings.batchSize);
        const seconds = (performance.now() - startedAt - (pausedMs - pausedBefore)) / 1000;
        const rate = seconds > 0 ? clipsDone / seconds : 0;
        const left = (settings.epochs - epoch) * n + (n - inEpoch);
        emit({
          kind: 'step',
          epoch,
          epochs: settings.epochs,
          step,
          steps,
          loss,
          clipsPerSecond: rate,
          etaSeconds: rate > 0 ? left / rate : null,
        });
      },
      onEpochEnd: async (state: FitState) => {
        const checkpoint = checkpointOf(runId, runSettings, state, 'running');
        let saved = true;
        try {
          await deps.library.putCheckpoint(checkpoint);
          last = checkpoint;
        } catch (err) {
          if (!(err instanceof AppError && err.code === 'storage-full')) throw err;
          saved = false;
          emit({
            kind: 'notice',
            message: `The checkpoint of epoch ${String(state.epoch)} was not saved (storage is full); training goes on, but after a reload the run could only resume from an earlier saved epoch, if any.`,
          });
        }
        const entry = state.history.at(-1);
        if (entry === undefined) throw new AppError('internal', 'The trainer reported an epoch without its record.');
        emit({
          kind: 'epoch',
          epoch: state.epoch,
          loss: entry.loss,
          validation: entry.validation === null ? null : summary(entry.validation),
          checkpointSaved: saved,
        });
      },
    });

    const best =
      result.bestValidation === null ? null : { epoch: result.bestEpoch, metrics: summary(result.bestValidation) };
    const manifest = headManifest({
      config: run.config,
      encoders: run.encoders,
      vocab: run.vocab,
      loss: run.loss,
      best,
      settings,
      run: {
        trainClips: trainSet.length,
        validationClips: validationSet.length,
        testClips: plan.counts.test,
        engine: deps.engine,
        runId,
        epochsRun: result.epochs.length,
        stoppedEarly: result.stoppedEarly,
      },
    });
    const { configJson, safetensors } = await encodeCheckpoint(manifest, store);
    const info: StoredHeadInfo = {
      id: `head-${crypto.randomUUID()}`,
      name: settings.headName,
      pair: run.encoders.pair,
      labels: [...run.config.labels],
      metrics: manifest.metrics,
      training: manifest.training ?? null,
      createdAt: manifest.createdAt,
      origin: 'trained',
    };
    await deps.library.putHead(info, { configJson, weights: safetensors });
    await mark('done');
    return {
      kind: 'done',
      runId,
      headId: info.id,
      bestEpoch: result.bestEpoch,
      validation: best?.metrics ?? null,
      stoppedEarly: result.stoppedEarly,
    };
  } catch (err) {
    if (err instanceof RunCancelled) {
      await mark('cancelled');
      return { kind: 'cancelled', runId };
    }
    // A run that trained in this call ended with a fault; one refused before training keeps its stored status.
    if (last !== (stored?.checkpoint ?? null)) await mark('failed');
    throw err;
  } finally {
    params?.dispose();
  }
}
