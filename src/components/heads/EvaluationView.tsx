import type { LibraryClip } from '../../data/library/library-types';
import type { UsePlayer } from '../../hooks/usePlayer';
import type { Evaluation } from '../../worker-api/training-protocol';

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/** Confusion matrix as a heatmap: rows are the true labels, columns the predictions, shade = share of the row. */
export function ConfusionMatrix({ evaluation }: { readonly evaluation: Evaluation }) {
  const { labels, confusion } = evaluation;
  return (
    <table className="confusion" data-testid="confusion">
      <caption className="small">Rows: true label · columns: predicted</caption>
      <thead>
        <tr>
          <th scope="col" />
          {labels.map((l) => (
            <th key={l} scope="col">
              {l}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {labels.map((truth, i) => {
          const row = confusion[i] ?? [];
          const total = row.reduce((a, b) => a + b, 0);
          return (
            <tr key={truth}>
              <th scope="row">{truth}</th>
              {labels.map((pred, j) => {
                const n = row[j] ?? 0;
                const share = total > 0 ? n / total : 0;
                return (
                  <td
                    key={pred}
                    className={i === j ? 'diag' : undefined}
                    data-count={n}
                    style={{
                      background: `rgb(47 111 219 / ${(share * 0.85).toFixed(3)})`,
                      color: share > 0.5 ? '#fff' : undefined,
                    }}
                    title={`${truth} → ${pred}: ${String(n)} of ${String(total)}`}
                  >
                    {n}
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

interface Props {
  readonly evaluation: Evaluation;
  readonly headName: string;
  readonly clips: ReadonlyMap<string, LibraryClip>;
  readonly player: UsePlayer;
  /** Hide the per-clip list (in side-by-side comparisons). */
  readonly compact?: boolean;
}

/**
 * A head's scores on a split: UA, WA, macro-F1, recall per class, the confusion matrix and the clip-by-clip
 * predictions.
 */
export function EvaluationView({ evaluation: ev, headName, clips, player, compact = false }: Props) {
  return (
    <div className="evaluation" data-testid="evaluation" data-ua={ev.metrics.ua} data-wa={ev.metrics.wa}>
      <h3>
        {headName}{' '}
        <span className="muted small">
          on the {ev.split} split ({ev.predictions.length} clips)
        </span>
      </h3>
      <dl className="metrics">
        <div>
          <dt>UA (mean recall)</dt>
          <dd data-testid="metric-ua">{pct(ev.metrics.ua)}</dd>
        </div>
        <div>
          <dt>WA (accuracy)</dt>
          <dd data-testid="metric-wa">{pct(ev.metrics.wa)}</dd>
        </div>
        <div>
          <dt>Macro-F1</dt>
          <dd>{pct(ev.metrics.macroF1)}</dd>
        </div>
      </dl>
      <p className="small">
        Recall per class: {ev.labels.map((l, i) => `${l} ${pct(ev.perClassRecall[i] ?? 0)}`).join(' · ')}
      </p>
      <ConfusionMatrix evaluation={ev} />
      {ev.skipped.length > 0 ? (
        <p className="muted small">
          {ev.skipped.length} clip(s) of the split were left out: {ev.skipped[0]?.reason}
        </p>
      ) : null}
      {!compact ? (
        <details>
          <summary>Predictions per clip</summary>
          <ul className="predictions" data-testid="predictions">
            {ev.predictions.map((p) => {
              const clip = clips.get(p.clipId);
              const right = p.truth === p.predicted;
              return (
                <li key={p.clipId} className={right ? 'right' : 'wrong'}>
                  <button
                    type="button"
                    className="link-button"
                    data-testid="prediction"
                    onClick={() => {
                      player.toggle(p.clipId);
                    }}
                  >
                    {player.playing === p.clipId ? '■' : '▶'} {clip?.name ?? p.clipId}
                  </button>{' '}
                  {p.truth} → <strong>{p.predicted}</strong> ({pct(Math.max(...p.scores))}) {right ? '✓' : '✗'}
                </li>
              );
            })}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
