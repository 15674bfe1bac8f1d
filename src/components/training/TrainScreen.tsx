import { useMemo, useState } from 'react';
import { trainingReadiness } from '../../data/library/readiness';
import { effectiveSplits } from '../../data/library/library-splits';
import type { UseLibrary } from '../../hooks/useLibrary';
import type { UseMl } from '../../hooks/useMl';
import type { UseTraining } from '../../hooks/useTraining';
import { DEFAULT_TRAIN_SETTINGS } from '../../training/train-settings';
import type { TrainSettings } from '../../worker-api/training-protocol';
import { ErrorBanner } from '../ErrorBanner';
import { ModelsWaiting } from '../ModelsWaiting';
import { Notice } from '../Notice';
import { TrainProgress } from './TrainProgress';
import { startOptions, type StartCandidate } from './start-options';
import { TrainSettingsForm } from './TrainSettingsForm';

interface Props {
  readonly ml: UseMl;
  readonly library: UseLibrary;
  readonly training: UseTraining;
  readonly pair: string;
  /** Heads the run could start from (the pair's shipped heads and library heads; start-options.ts). */
  readonly startFrom: readonly StartCandidate[];
}

/** Fine-tuning: what the run will use, its settings, and the live run (progress, charts, pause, cancel). */
export function TrainScreen({ ml, library, training, pair, startFrom }: Props) {
  const [draft, setDraft] = useState<TrainSettings>(DEFAULT_TRAIN_SETTINGS);
  const labels = useMemo(() => library.activeSet?.labels.map((l) => l.name) ?? [], [library.activeSet]);
  const options = useMemo(() => startOptions(startFrom, labels), [startFrom, labels]);
  // A chosen head that is gone (deleted, or of another pair) falls back to a fresh head rather than failing the run.
  const chosen = options.find((o) => o.value === (draft.startFrom ?? null));
  const settings: TrainSettings = { ...draft, labels, startFrom: chosen?.value ?? null };
  const { splits } = useMemo(() => effectiveSplits(library.clips), [library.clips]);
  const readiness = trainingReadiness(library.clips, splits, labels, settings.minClipsPerLabel);
  const resumable = training.resumable;
  const canStart =
    ml.phase === 'ready' &&
    library.status === 'ready' &&
    readiness.errors.length === 0 &&
    !training.running &&
    (chosen?.unusable ?? null) === null;

  return (
    <div className="train" data-testid="train-screen">
      {resumable && !training.running ? (
        <Notice tone="warning" testId="resume-offer">
          The run "{typeof resumable.settings.headName === 'string' ? resumable.settings.headName : resumable.runId}"
          stopped after epoch {resumable.epoch} without finishing (the page was closed or the engine stopped).{' '}
          <button
            type="button"
            className="button"
            data-testid="resume-run"
            disabled={ml.phase !== 'ready'}
            onClick={() => {
              training.resume(resumable.runId);
            }}
          >
            Resume from epoch {resumable.epoch + 1}
          </button>{' '}
          <button
            type="button"
            className="button subtle"
            onClick={() => {
              training.discard(resumable.runId);
            }}
          >
            Discard
          </button>
        </Notice>
      ) : null}
      <section className="card" aria-labelledby="data-title">
        <h2 id="data-title">Data</h2>
        <p data-testid="train-data">
          Label set <strong>{library.activeSet?.name ?? '—'}</strong> ({labels.join(', ')}): {readiness.counts.train}{' '}
          training, {readiness.counts.validation} validation and {readiness.counts.test} test clips. Model pair{' '}
          <code>{pair}</code>.
        </p>
        <ul className="per-label small">
          {labels.map((l, i) => (
            <li key={l}>
              {l}: {readiness.trainPerLabel[i] ?? 0} training clip(s)
            </li>
          ))}
        </ul>
        {readiness.errors.map((e) => (
          <p key={e} className="problem" data-testid="train-problem">
            {e}
          </p>
        ))}
        {readiness.notices.map((n) => (
          <p key={n} className="muted small" data-testid="train-notice">
            {n}
          </p>
        ))}
      </section>
      <section className="card" aria-labelledby="settings-title">
        <h2 id="settings-title">Settings</h2>
        <TrainSettingsForm
          settings={settings}
          onChange={setDraft}
          disabled={training.running}
          hasEncoderLayers={pair !== 'lite'}
          startOptions={options}
        />
        <div className="row">
          <button
            type="button"
            className="button"
            data-testid="start-training"
            disabled={!canStart}
            onClick={() => {
              training.start(settings);
            }}
          >
            Start training
          </button>
          <button
            type="button"
            className="button subtle"
            disabled={training.running}
            onClick={() => {
              setDraft(DEFAULT_TRAIN_SETTINGS);
            }}
          >
            Reset to defaults
          </button>
          <ModelsWaiting phase={ml.phase} what="training" />
        </div>
      </section>
      {training.error ? <ErrorBanner error={training.error} title="Training stopped" testId="train-error" /> : null}
      {training.phase !== 'idle' ? <TrainProgress training={training} /> : null}
    </div>
  );
}
