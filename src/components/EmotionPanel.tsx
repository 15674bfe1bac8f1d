import type { UseHead } from '../hooks/useHead';
import type { EmotionScores } from '../worker-api/protocol';
import { ErrorBanner } from './ErrorBanner';
import { HeadDetails } from './HeadDetails';
import { HeadImport } from './HeadImport';
import { Notice } from './Notice';

interface Props {
  /** Scores of the clip on screen, from the active head; null when it was not scored. */
  readonly emotion: EmotionScores | null;
  /** Whether a clip's result is on screen. */
  readonly analysed: boolean;
  readonly head: UseHead;
  /** Head changes wait while models load or a clip is being analysed. */
  readonly disabled: boolean;
}

/**
 * `scores`: the head's scores for the clip; `no-head`: no head is active; `unscored`: a head is active but the clip on
 * screen has no scores from it (the worker restarted since); `ready`: a head waits for a clip.
 */
type PanelState = 'scores' | 'no-head' | 'unscored' | 'ready';

function Scores({ emotion }: { readonly emotion: EmotionScores }) {
  const sorted = [...emotion].sort((a, b) => b.score - a.score);
  return (
    <ol className="emotion-list">
      {sorted.map(({ label, score }) => {
        const pct = Math.max(0, Math.min(1, score)) * 100;
        return (
          <li key={label} className="emotion-row" data-label={label} data-score={score}>
            <span className="emotion-label">{label}</span>
            <span className="emotion-bar" aria-hidden="true">
              <span className="emotion-fill" style={{ width: `${pct}%` }} />
            </span>
            <span className="emotion-score">{pct.toFixed(1)}%</span>
          </li>
        );
      })}
    </ol>
  );
}

/**
 * Emotion scores from the active MMER head, the head itself (import, details, removal) and its notices. Scores only
 * ever come from a loaded head: without one the panel says so instead of inventing labels.
 */
export function EmotionPanel({ emotion, analysed, head, disabled }: Props) {
  const active = head.head;
  const state: PanelState = emotion !== null ? 'scores' : active === null ? 'no-head' : analysed ? 'unscored' : 'ready';
  const locked = disabled || head.busy;
  return (
    <section className="card emotion" aria-labelledby="emotion-title" data-testid="emotion-panel" data-state={state} aria-busy={head.busy}>
      <h2 id="emotion-title">Emotion</h2>
      {head.notices.map((n) => (
        <Notice
          key={n.id}
          tone={n.tone}
          testId="head-notice"
          onDismiss={() => {
            head.dismissNotice(n.id);
          }}
        >
          {n.text}
        </Notice>
      ))}
      {state === 'scores' && emotion !== null ? <Scores emotion={emotion} /> : null}
      {state === 'no-head' ? (
        <>
          <p className="emotion-empty">No trained emotion head yet</p>
          <p className="muted small">
            The transcript and features work without one. Import a trained MMER head (its config.json and
            model.safetensors, e.g. from <code>npm run mmer -- train</code>) to see emotion scores.
          </p>
        </>
      ) : null}
      {state === 'unscored' ? <p className="muted small">Analyse the clip again to score it with this head.</p> : null}
      {state === 'ready' ? <p className="muted small">Record or choose a clip to see its emotion scores.</p> : null}
      {head.error !== null ? (
        <ErrorBanner title="The emotion head could not be changed" error={head.error} onDismiss={head.dismissError} testId="head-error" />
      ) : null}
      {active !== null ? <HeadDetails head={active} disabled={locked} onRemove={head.remove} /> : null}
      <HeadImport disabled={locked} replacing={active !== null} onFiles={head.importFiles} />
      {head.busy ? (
        <p className="muted small" role="status" data-testid="head-busy">
          Loading the head…
        </p>
      ) : null}
    </section>
  );
}
