import { useId, useMemo, useState } from 'react';
import type { ErrorInfo } from '../../core/errors';
import type { SplitName, StoredHeadInfo } from '../../data/library/library-types';
import { HEAD_ACCEPT } from '../../page/head-files';
import type { UseHead } from '../../hooks/useHead';
import type { UseLibrary } from '../../hooks/useLibrary';
import type { UseMl } from '../../hooks/useMl';
import { usePlayer } from '../../hooks/usePlayer';
import type { UseStoredHeads } from '../../hooks/useStoredHeads';
import type { Evaluation } from '../../worker-api/training-protocol';
import { ErrorBanner } from '../ErrorBanner';
import { EvaluationView } from './EvaluationView';
import { ModelsWaiting } from '../ModelsWaiting';

interface Props {
  readonly ml: UseMl;
  readonly library: UseLibrary;
  readonly head: UseHead;
  readonly heads: UseStoredHeads;
  readonly pair: string;
}

const pct = (x: number | undefined): string => (x === undefined ? '—' : `${(100 * x).toFixed(1)} %`);

function settingsLine(h: StoredHeadInfo): string {
  const t = h.training;
  if (t === null) return '';
  const pick = (k: string): string | null =>
    typeof t[k] === 'number' || typeof t[k] === 'string' ? `${k} ${String(t[k])}` : null;
  return ['epochs', 'batchSize', 'lr', 'learningRate', 'trainClips', 'validationClips', 'engine']
    .map(pick)
    .filter((x) => x !== null)
    .join(' · ');
}

/**
 * Stored heads: which one classifies, their metrics and settings, import/export, and evaluation on a split (two side by
 * side).
 */
export function HeadsScreen({ ml, library, heads, pair }: Props) {
  const inputId = useId();
  const player = usePlayer(library.store);
  const [split, setSplit] = useState<SplitName>('test');
  const [results, setResults] = useState<readonly Evaluation[]>([]);
  const [compare, setCompare] = useState<readonly string[]>([]);
  const [evaluating, setEvaluating] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const clipsById = useMemo(() => new Map(library.clips.map((c) => [c.id, c])), [library.clips]);
  const forPair = library.heads.filter((h) => h.pair === pair);
  const others = library.heads.length - forPair.length;
  const names = new Map(library.heads.map((h) => [h.id, h.name]));

  const evaluate = async (ids: readonly string[]): Promise<void> => {
    setEvaluating(true);
    setError(null);
    const out: Evaluation[] = [];
    for (const id of ids) {
      const r = await ml.worker.evaluateHead(id, split);
      if (!r.ok) {
        setError(r.error);
        break;
      }
      out.push(r.value);
    }
    setResults(out);
    setEvaluating(false);
  };

  return (
    <div className="heads" data-testid="heads-screen">
      {heads.error ? (
        <ErrorBanner
          error={heads.error}
          title="The head was not changed"
          testId="heads-error"
          onDismiss={heads.dismissError}
        />
      ) : null}
      {error ? (
        <ErrorBanner
          error={error}
          title="The evaluation did not run"
          testId="eval-error"
          onDismiss={() => {
            setError(null);
          }}
        />
      ) : null}
      <section className="card" aria-labelledby="heads-title">
        <div className="row-between">
          <h2 id="heads-title">Heads for this model pair</h2>
          <div className="row">
            <input
              id={inputId}
              className="visually-hidden-input"
              type="file"
              multiple
              accept={HEAD_ACCEPT}
              data-testid="library-head-input"
              disabled={heads.busy || ml.phase !== 'ready'}
              onChange={(e) => {
                const files = Array.from(e.currentTarget.files ?? []);
                e.currentTarget.value = '';
                void heads.importFiles(files);
              }}
            />
            <label
              htmlFor={inputId}
              className={`button subtle${heads.busy || ml.phase !== 'ready' ? ' disabled' : ''}`}
            >
              Import head…
            </label>
          </div>
        </div>
        <ModelsWaiting phase={ml.phase} what="using, importing or evaluating a head" />
        {forPair.length === 0 ? (
          <p className="muted" data-testid="no-heads">
            No heads yet: train one, or import config.json + model.safetensors.
          </p>
        ) : null}
        <ul className="head-list" data-testid="head-list">
          {forPair.map((h) => (
            <li
              key={h.id}
              className={`head-item${heads.activeId === h.id ? ' active' : ''}`}
              data-testid="head-item"
              data-head-id={h.id}
              data-name={h.name}
            >
              <div className="row-between">
                <div>
                  <strong>{h.name}</strong>{' '}
                  {heads.activeId === h.id ? (
                    <span className="badge" data-testid="active-badge">
                      classifying
                    </span>
                  ) : null}
                  <div className="small muted">
                    {h.origin === 'trained' ? 'Trained here' : 'Imported'} {new Date(h.createdAt).toLocaleString()} ·
                    labels {h.labels.join(', ')}
                  </div>
                  <div className="small">
                    Validation UA {pct(h.metrics?.ua)} · WA {pct(h.metrics?.wa)} · macro-F1 {pct(h.metrics?.macroF1)}
                    {h.metrics?.epoch !== undefined ? ` · best epoch ${String(h.metrics.epoch)}` : ''}
                  </div>
                  <div className="small muted">{settingsLine(h)}</div>
                </div>
                <div className="row">
                  <label className="small">
                    <input
                      type="checkbox"
                      checked={compare.includes(h.id)}
                      onChange={(e) => {
                        const on = e.currentTarget.checked;
                        setCompare((c) =>
                          on ? [...c.filter((x) => x !== h.id), h.id].slice(-2) : c.filter((x) => x !== h.id),
                        );
                      }}
                    />{' '}
                    compare
                  </label>
                  <button
                    type="button"
                    className="button subtle"
                    data-testid="use-head"
                    disabled={heads.busy || heads.activeId === h.id || ml.phase !== 'ready'}
                    onClick={() => void heads.use(h.id)}
                  >
                    Use
                  </button>
                  <button
                    type="button"
                    className="button subtle"
                    data-testid="evaluate-head"
                    disabled={evaluating || ml.phase !== 'ready'}
                    onClick={() => void evaluate([h.id])}
                  >
                    Evaluate
                  </button>
                  <button
                    type="button"
                    className="button subtle"
                    data-testid="export-head"
                    onClick={() => void heads.exportHead(h.id)}
                  >
                    Export
                  </button>
                  <button
                    type="button"
                    className="button subtle"
                    onClick={() => {
                      const name = window.prompt('New name', h.name);
                      if (name !== null) void heads.rename(h.id, name);
                    }}
                  >
                    Rename
                  </button>
                  <button
                    type="button"
                    className="button subtle"
                    data-testid="delete-head"
                    onClick={() => {
                      if (window.confirm(`Delete the head "${h.name}"?`)) void heads.remove(h.id);
                    }}
                  >
                    Delete
                  </button>
                </div>
              </div>
            </li>
          ))}
        </ul>
        {others > 0 ? <p className="muted small">{others} head(s) trained for other model pairs are hidden.</p> : null}
      </section>
      <section className="card" aria-labelledby="eval-title">
        <div className="row-between">
          <h2 id="eval-title">Evaluation</h2>
          <div className="row">
            <label className="small">
              Split{' '}
              <select
                value={split}
                data-testid="eval-split"
                onChange={(e) => {
                  setSplit(e.currentTarget.value as SplitName);
                }}
              >
                <option value="test">test</option>
                <option value="validation">validation</option>
                <option value="train">train</option>
              </select>
            </label>
            <button
              type="button"
              className="button"
              data-testid="compare-heads"
              disabled={compare.length !== 2 || evaluating || ml.phase !== 'ready'}
              onClick={() => void evaluate(compare)}
            >
              Compare the two checked heads
            </button>
          </div>
        </div>
        {evaluating ? <p role="status">Evaluating…</p> : null}
        <div className={results.length === 2 ? 'side-by-side' : undefined}>
          {results.map((ev) => (
            <EvaluationView
              key={ev.headId}
              evaluation={ev}
              headName={names.get(ev.headId) ?? ev.headId}
              clips={clipsById}
              player={player}
              compact={results.length > 1}
            />
          ))}
        </div>
      </section>
    </div>
  );
}
