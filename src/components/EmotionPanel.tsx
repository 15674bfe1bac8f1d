import type { AnalysisSummary } from '../worker-api/protocol';

interface Props {
  readonly emotion: AnalysisSummary['emotion'];
}

/** Emotion scores from the trained head, or a plain statement that there is none yet. Never invents labels. */
export function EmotionPanel({ emotion }: Props) {
  if (emotion === null) {
    return (
      <section className="card emotion" aria-labelledby="emotion-title" data-testid="emotion-panel" data-state="no-head">
        <h2 id="emotion-title">Emotion</h2>
        <p className="emotion-empty">No trained emotion head yet</p>
        <p className="muted small">
          This version transcribes the speech and extracts the audio and text features; a later version trains the MMER
          classifier that turns them into emotion scores.
        </p>
      </section>
    );
  }
  const sorted = [...emotion].sort((a, b) => b.score - a.score);
  return (
    <section className="card emotion" aria-labelledby="emotion-title" data-testid="emotion-panel" data-state="scores">
      <h2 id="emotion-title">Emotion</h2>
      <ol className="emotion-list">
        {sorted.map(({ label, score }) => {
          const pct = Math.max(0, Math.min(1, score)) * 100;
          return (
            <li key={label} className="emotion-row" data-label={label}>
              <span className="emotion-label">{label}</span>
              <span className="emotion-bar" aria-hidden="true">
                <span className="emotion-fill" style={{ width: `${pct}%` }} />
              </span>
              <span className="emotion-score">{pct.toFixed(1)}%</span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
