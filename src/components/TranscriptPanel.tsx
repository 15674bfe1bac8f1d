import type { AnalysisSummary } from '../worker-api/protocol';

interface Props {
  readonly summary: AnalysisSummary;
  /** Where the clip came from: "Microphone recording" or a file name. */
  readonly source: string;
  /** Switches to the pair with a speech recogniser (offered when this pair has none); null when not offered. */
  readonly onUseFullPair: (() => void) | null;
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

/**
 * The transcript and what the encoders produced for the clip. A pair without a speech recogniser gets no empty
 * transcript box: one line says so, and how to get a transcript.
 */
export function TranscriptPanel({ summary, source, onUseFullPair }: Props) {
  const { transcript } = summary;
  const text = transcript === null ? null : transcript.trim();
  return (
    <section className="card result" aria-labelledby="transcript-title">
      <h2 id="transcript-title">{text === null ? 'Clip' : 'Transcript'}</h2>
      <p className="muted small" data-testid="result-source">
        {source}
      </p>
      {text === null ? (
        <p className="muted small" data-testid="no-transcript">
          This model gives no transcript.{' '}
          {onUseFullPair === null ? (
            'The wav2vec2 + RoBERTa models give one.'
          ) : (
            <>
              For one,{' '}
              <button type="button" className="link-button" onClick={onUseFullPair} data-testid="get-transcript">
                use wav2vec2 + RoBERTa
              </button>{' '}
              (a download, see above).
            </>
          )}
        </p>
      ) : (
        <blockquote className={`transcript${text === '' ? ' empty' : ''}`} data-testid="transcript" lang="en">
          {text === '' ? '(no words recognised)' : text}
        </blockquote>
      )}
      <dl className="facts">
        <div>
          <dt>Duration</dt>
          <dd data-testid="duration" data-seconds={summary.durationS}>
            {summary.durationS.toFixed(2)} s
          </dd>
        </div>
        <div>
          <dt>Windows</dt>
          <dd data-testid="windows">{summary.windows}</dd>
        </div>
        <div>
          <dt>Audio features</dt>
          <dd data-testid="audio-features">
            {summary.audioFeatures.frames} frames × {summary.audioFeatures.dim}
          </dd>
        </div>
        <div>
          <dt>Text features</dt>
          <dd data-testid="text-features">
            {summary.textFeatures.tokens} tokens × {summary.textFeatures.dim}
          </dd>
        </div>
        <div>
          <dt>Time</dt>
          <dd data-testid="timings">
            audio {ms(summary.timings.audioMs)}, text {ms(summary.timings.textMs)}
            {summary.timings.headMs === null ? '' : `, emotion head ${ms(summary.timings.headMs)}`}
          </dd>
        </div>
      </dl>
    </section>
  );
}
