import type { UseHead } from '../hooks/useHead';
import type { UseVoice } from '../hooks/useVoice';
import type { EmotionScorer, EmotionScores } from '../worker-api/protocol';
import { ErrorBanner } from './ErrorBanner';
import { HeadDetails } from './HeadDetails';
import { HeadImport } from './HeadImport';
import { Notice } from './Notice';
import { ScoreSummary } from './ScoreSummary';
import { VoiceAdaptation } from './VoiceAdaptation';

interface Props {
  /** Scores of the clip on screen; null when it was not scored. */
  readonly emotion: EmotionScores | null;
  /** Which head gave `emotion`. */
  readonly scorer: EmotionScorer | null;
  /** Whether a clip's result is on screen. */
  readonly analysed: boolean;
  readonly head: UseHead;
  readonly voice: UseVoice;
  /** The model pair in use. */
  readonly pair: string;
  /** Whether the pair in use is the embedded one (its built-in head is then "the embedded acoustic model"). */
  readonly embeddedPair: boolean;
  /** Head changes wait while models load or a clip is being analysed. */
  readonly disabled: boolean;
}

/**
 * `scores`: the clip's scores; `no-head`: neither the pair's head nor the embedded one is there; `unscored`: a head is
 * there but the clip on screen has no scores from it (the worker restarted since); `ready`: a head waits for a clip.
 */
type PanelState = 'scores' | 'no-head' | 'unscored' | 'ready';

/** Why no head scores, in words, for the `no-head` state. */
function noHeadReason(head: UseHead, embeddedPair: boolean): string {
  if (head.notices.some((n) => n.tone === 'warning')) return 'The heads named above could not be loaded.';
  if (embeddedPair) return 'The embedded head was removed; reloading the page brings it back.';
  return 'These models have no trained emotion head, and there is no embedded head to stand in for one.';
}

/**
 * Emotion scores, the head that gave them (the pair's own, or the embedded head standing in for a pair without one),
 * its details and notices, importing a head, and adapting to the person's voice. Scores only ever come from a loaded
 * head: without one the panel says why instead of inventing labels.
 */
export function EmotionPanel({ emotion, scorer, analysed, head, voice, pair, embeddedPair, disabled }: Props) {
  const own = head.head;
  const standIn = own === null ? head.embedded : null;
  const state: PanelState =
    emotion !== null ? 'scores' : own === null && standIn === null ? 'no-head' : analysed ? 'unscored' : 'ready';
  const locked = disabled || head.busy;
  const scoringHead = scorer?.source === 'embedded' ? head.embedded : scorer?.source === 'pair' ? own : null;
  const source = scorer?.source ?? (own !== null ? 'pair' : standIn !== null ? 'embedded' : 'none');
  const adaptable = (own ?? standIn)?.speakerAdaptable === true;
  return (
    <section
      className="card emotion"
      aria-labelledby="emotion-title"
      data-testid="emotion-panel"
      data-state={state}
      data-scorer={source}
      aria-busy={head.busy}
    >
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
      {state === 'scores' && emotion !== null ? (
        <ScoreSummary
          emotion={emotion}
          scorer={scorer}
          scoringHead={scoringHead}
          pair={pair}
          embeddedPair={embeddedPair}
        />
      ) : null}
      {state === 'no-head' ? (
        <>
          <p className="emotion-empty">No emotion head</p>
          <p className="muted small" data-testid="no-head-reason">
            {noHeadReason(head, embeddedPair)} Import a trained MMER head (its config.json and model.safetensors, e.g.
            from <code>npm run mmer -- train</code>) to see emotion scores.
          </p>
        </>
      ) : null}
      {state === 'unscored' ? <p className="muted small">Analyse the clip again to score it with this head.</p> : null}
      {state === 'ready' ? (
        <p className="muted small" data-testid="emotion-ready">
          Record or choose a clip to see its emotion.
          {standIn !== null
            ? ` The embedded acoustic model (${standIn.name}) scores it: these models have no trained emotion head yet.`
            : ''}
        </p>
      ) : null}
      {head.error !== null ? (
        <ErrorBanner
          title="The emotion head could not be changed"
          error={head.error}
          onDismiss={head.dismissError}
          testId="head-error"
        />
      ) : null}
      {adaptable || voice.recordings > 0 ? <VoiceAdaptation voice={voice} disabled={locked} /> : null}
      {own !== null ? <HeadDetails head={own} role="pair" disabled={locked} onRemove={head.remove} /> : null}
      {standIn !== null ? <HeadDetails head={standIn} role="embedded" disabled={locked} onRemove={null} /> : null}
      <HeadImport disabled={locked} replacing={own !== null} onFiles={head.importFiles} />
      {head.busy ? (
        <p className="muted small" role="status" data-testid="head-busy">
          Loading the head…
        </p>
      ) : null}
    </section>
  );
}
