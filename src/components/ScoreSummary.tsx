import { pairShortName, PAIRS } from '../page/url-options';
import type { EmotionScorer, EmotionScores, HeadInfo } from '../worker-api/protocol';
import { isNonCommercial } from './HeadDetails';

interface Props {
  readonly emotion: EmotionScores;
  readonly scorer: EmotionScorer | null;
  /** The head that scored (the pair's or the embedded one), for its license; null when it changed since. */
  readonly scoringHead: HeadInfo | null;
  /** The model pair in use. */
  readonly pair: string;
  /** Whether the pair in use is the embedded one. */
  readonly embeddedPair: boolean;
}

/** "the wav2vec2 + RoBERTa models have" / `pair "x" has`, for a sentence about a pair's heads. */
function pairHave(pair: string): string {
  return PAIRS.some((p) => p.id === pair) ? `the ${pairShortName(pair)} models have` : `${pairShortName(pair)} has`;
}

/** Which model scored the clip, in one sentence. */
function scoredBy(scorer: EmotionScorer, head: HeadInfo | null, pair: string, embeddedPair: boolean): string {
  if (scorer.source === 'embedded')
    return `Scored by the embedded acoustic model (${scorer.head}); ${pairHave(pair)} no trained emotion head yet.`;
  if (head?.builtinId !== null && head?.builtinId !== undefined) {
    return embeddedPair
      ? `Scored by the embedded acoustic model (${scorer.head}).`
      : `Scored by the built-in head ${scorer.head}.`;
  }
  return `Scored by the head ${scorer.head}.`;
}

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
 * A clip's emotion: the most likely label and its score, every label's softmax, which model scored it (the pair's own
 * head or the embedded one standing in), whether it was adapted to the person's voice, and the head's terms of use
 * when they restrict it (a non-commercial license is said right under the score).
 */
export function ScoreSummary({ emotion, scorer, scoringHead, pair, embeddedPair }: Props) {
  const top = emotion.reduce<EmotionScores[number] | null>(
    (best, e) => (best === null || e.score > best.score ? e : best),
    null,
  );
  const license = scoringHead?.license ?? null;
  return (
    <>
      {top !== null ? (
        <p className="emotion-top" data-testid="top-emotion" data-emotion={top.label} data-value={top.score}>
          <span className="emotion-top-label">{top.label}</span>{' '}
          <span className="emotion-top-score">{(100 * top.score).toFixed(0)}%</span>
        </p>
      ) : null}
      <Scores emotion={emotion} />
      {scorer !== null ? (
        <p
          className="muted small scored-by"
          data-testid="scored-by"
          data-source={scorer.source}
          data-head={scorer.head}
        >
          {scoredBy(scorer, scoringHead, pair, embeddedPair)}
        </p>
      ) : null}
      {scorer?.adaptedClips !== null && scorer?.adaptedClips !== undefined ? (
        <p className="muted small" data-testid="score-adapted" data-clips={scorer.adaptedClips}>
          Adapted to your voice (a profile from {scorer.adaptedClips} of your recordings).
        </p>
      ) : null}
      {license !== null && isNonCommercial(license) ? (
        <p className="small license-line" data-testid="score-license">
          Non-commercial use only: this head is licensed {license}.
        </p>
      ) : null}
    </>
  );
}
