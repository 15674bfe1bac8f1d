import { useEffect, useState } from 'react';
import type { UseTraining } from '../../hooks/useTraining';
import { Notice } from '../Notice';
import { LineChart } from './LineChart';
import { formatSlowdown } from './slowdown';

interface Props {
  readonly training: UseTraining;
}

const LOSS_SERIES = [
  { key: 'total', label: 'total', colour: '#1b1f24' },
  { key: 'ce', label: 'CE', colour: '#2f6fdb' },
  { key: 'ctc', label: 'CTC', colour: '#d9480f' },
  { key: 'supcon', label: 'SupCon', colour: '#2b8a3e' },
  { key: 'acl', label: 'ACL', colour: '#9c36b5' },
] as const;

function duration(seconds: number): string {
  if (seconds < 90) return `${String(Math.round(seconds))} s`;
  if (seconds < 5400) return `${String(Math.round(seconds / 60))} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Whether the page is in a background tab (training goes on there: the worker is not throttled like timers). */
function useHidden(): boolean {
  const [hidden, setHidden] = useState(() => document.visibilityState === 'hidden');
  useEffect(() => {
    const on = (): void => {
      setHidden(document.visibilityState === 'hidden');
    };
    document.addEventListener('visibilitychange', on);
    return () => {
      document.removeEventListener('visibilitychange', on);
    };
  }, []);
  return hidden;
}

/** The live run: where it is, how fast, what is left, the loss components per step and validation UA/WA per epoch. */
export function TrainProgress({ training }: Props) {
  const hidden = useHidden();
  const t = training;
  const cur = t.current;
  const epochsX = t.epochs.map((e) => e.epoch);
  return (
    <section
      className="card train-progress"
      aria-labelledby="progress-title"
      data-testid="train-progress"
      data-phase={t.phase}
    >
      <div className="row-between">
        <h2 id="progress-title">Run</h2>
        <div className="row">
          {t.phase === 'training' || t.phase === 'preparing' ? (
            <button
              type="button"
              className="button subtle"
              data-testid="pause-training"
              onClick={t.pause}
              disabled={t.phase === 'preparing'}
            >
              Pause
            </button>
          ) : null}
          {t.phase === 'paused' ? (
            <button type="button" className="button" data-testid="resume-training" onClick={t.proceed}>
              Resume
            </button>
          ) : null}
          {t.running ? (
            <button type="button" className="button subtle" data-testid="cancel-training" onClick={t.cancel}>
              Cancel
            </button>
          ) : null}
        </div>
      </div>
      {t.engine !== null && t.engine !== 'webgpu' ? (
        <Notice tone="warning" testId="engine-warning">
          WebGPU is not available for training here, so it runs on{' '}
          {t.engine === 'wasm' ? 'WebAssembly' : 'the plain JavaScript CPU backend'}
          {t.offGpu ? (
            <span data-testid="slowdown-estimate" data-low={t.offGpu.low} data-high={t.offGpu.high}>
              , {formatSlowdown(t.offGpu)} slower than on a laptop GPU (estimated: this device multiplies matrices at{' '}
              {t.offGpu.gflops.toFixed(1)} GFLOP/s here, laptop GPUs reach roughly {t.offGpu.reference.low}-
              {t.offGpu.reference.high} GFLOP/s through WebGPU)
            </span>
          ) : null}
          . The remaining time below is measured on this machine.
        </Notice>
      ) : null}
      {t.running ? (
        <p className="muted small" data-testid="background-note">
          {hidden
            ? 'This tab is in the background: training keeps going.'
            : 'Training keeps going while this tab is in the background or another screen is shown.'}
        </p>
      ) : null}
      <p role="status" data-testid="train-status">
        {t.phase === 'preparing' && t.features
          ? `Encoding clips: ${String(t.features.done)} / ${String(t.features.total)} (${String(t.features.cached)} from the cache)`
          : null}
        {t.phase === 'preparing' && !t.features ? 'Starting…' : null}
        {cur && t.phase !== 'preparing'
          ? `Epoch ${String(cur.epoch)} of ${String(cur.epochs)}, step ${String(cur.step)} of ${String(cur.steps)} · ${cur.clipsPerSecond.toFixed(1)} clips/s` +
            (cur.etaSeconds !== null && t.running ? ` · about ${duration(cur.etaSeconds)} left` : '')
          : null}
        {t.phase === 'paused' ? ' · paused' : null}
        {t.phase === 'cancelled' ? ' Cancelled: no head was saved.' : null}
      </p>
      {t.engine !== null ? (
        <p className="muted small" data-testid="train-engine" data-engine={t.engine}>
          Engine: {t.engine}
          {t.resumedFromEpoch !== null ? ` · resumed after epoch ${String(t.resumedFromEpoch)}` : ''}
          {t.clips ? ` · ${String(t.clips.train)} training / ${String(t.clips.validation)} validation clips` : ''}
        </p>
      ) : null}
      {t.notices.map((n) => (
        <p key={n} className="muted small" data-testid="run-notice">
          {n}
        </p>
      ))}
      {t.outcome?.kind === 'done' ? (
        <Notice tone="info" testId="train-done">
          Saved the head: best epoch {t.outcome.bestEpoch}
          {t.outcome.validation
            ? `, validation UA ${(100 * t.outcome.validation.ua).toFixed(1)} %, WA ${(100 * t.outcome.validation.wa).toFixed(1)} %`
            : ' (no validation clips)'}
          {t.outcome.stoppedEarly ? ', stopped early' : ''}. Find it under Heads &amp; evaluation.
        </Notice>
      ) : null}
      <div className="charts">
        <LineChart
          title="Loss per step"
          xLabel="step"
          testId="loss-chart"
          x={t.steps.map((s) => s.x)}
          series={LOSS_SERIES.map((s) => ({
            label: s.label,
            colour: s.colour,
            values: t.steps.map((p) => (Number.isFinite(p.loss[s.key]) ? p.loss[s.key] : null)),
          }))}
        />
        <LineChart
          title="Validation per epoch"
          xLabel="epoch"
          testId="validation-chart"
          unitRange
          x={epochsX}
          series={[
            { label: 'UA', colour: '#2f6fdb', values: t.epochs.map((e) => e.validation?.ua ?? null) },
            { label: 'WA', colour: '#2b8a3e', values: t.epochs.map((e) => e.validation?.wa ?? null) },
          ]}
        />
      </div>
      {t.epochs.length > 0 ? (
        <table className="epochs small" data-testid="epoch-table">
          <thead>
            <tr>
              <th scope="col">Epoch</th>
              <th scope="col" className="num">
                Loss
              </th>
              <th scope="col" className="num">
                Val UA
              </th>
              <th scope="col" className="num">
                Val WA
              </th>
              <th scope="col">Checkpoint</th>
            </tr>
          </thead>
          <tbody>
            {t.epochs.map((e) => (
              <tr key={e.epoch} data-epoch={e.epoch} data-loss={e.loss.total}>
                <td>{e.epoch}</td>
                <td className="num">{e.loss.total.toFixed(3)}</td>
                <td className="num">{e.validation ? `${(100 * e.validation.ua).toFixed(1)} %` : '—'}</td>
                <td className="num">{e.validation ? `${(100 * e.validation.wa).toFixed(1)} %` : '—'}</td>
                <td>{e.checkpointSaved ? 'saved' : 'not saved'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
