/**
 * The classify screen: record or choose a clip, see its transcript (where the pair has a recogniser) and its emotion
 * scores. It stays mounted while other screens are shown, so a result survives a look at the library.
 */
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { clippingWarning, type ClipWarning } from '../audio/clip-warnings';
import { decodeAudioFile } from '../audio/decode-file';
import { SAMPLE_RATE } from '../audio/rate';
import type { AutoStopReason } from '../audio/capture';
import { checkClip, MAX_CLIP_SECONDS } from '../audio/validate';
import { failsAgain, toErrorInfo, type ErrorInfo } from '../core/errors';
import type { UseHead } from '../hooks/useHead';
import type { UseMl } from '../hooks/useMl';
import { useRecorder } from '../hooks/useRecorder';
import type { UseVoice } from '../hooks/useVoice';
import type { AnalysisSummary, ScoredEmotion } from '../worker-api/protocol';
import { AutoStopNotice } from './AutoStopNotice';
import { ClipFailureActions } from './ClipFailureActions';
import { ClipWarnings } from './ClipWarnings';
import { EmotionPanel } from './EmotionPanel';
import { ErrorBanner } from './ErrorBanner';
import { FileDrop } from './FileDrop';
import { Recorder } from './Recorder';
import { SaveClipButton } from './SaveClipButton';
import { TranscriptPanel } from './TranscriptPanel';

/** A clip ready for analysis: mono, 16 kHz. Kept after any failure so nothing the user recorded is lost. */
interface Clip {
  readonly pcm: Float32Array;
  /** "Microphone recording" or the file's name. */
  readonly source: string;
  /** Recorded here (not a file): only recordings join the voice profile. */
  readonly recorded: boolean;
  /** What the person should know about the clip's result (cut short, clipped). */
  readonly warnings: readonly ClipWarning[];
}

interface Failure {
  readonly error: ErrorInfo;
  /** The clip the failure concerns, when there is one (decoding and microphone errors have none). */
  readonly clip: Clip | null;
}

interface Outcome {
  readonly summary: AnalysisSummary;
  readonly clip: Clip;
}

type Work = 'idle' | 'decoding' | 'analysing';

interface Props {
  readonly ml: UseMl;
  readonly head: UseHead;
  readonly voice: UseVoice;
  /** The model pair in use. */
  readonly pair: string;
  /** Whether it is the embedded pair. */
  readonly embeddedPair: boolean;
  /** False while another screen is shown: Space then does not start a recording here. */
  readonly active: boolean;
  /** Receives the setter for the clip's scores, so a head change elsewhere re-scores the clip on screen. */
  readonly registerScores: (set: ((scored: ScoredEmotion | null) => void) | null) => void;
  /** Switches to the pair with a speech recogniser; null when not offered. */
  readonly onUseFullPair: (() => void) | null;
}

export function ClassifyScreen({ ml, head, voice, pair, embeddedPair, active, registerScores, onUseFullPair }: Props) {
  const [work, setWork] = useState<Work>('idle');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [lastClip, setLastClip] = useState<Clip | null>(null);
  const [stopNotice, setStopNotice] = useState<AutoStopReason | null>(null);
  /** Incremented for every new piece of work; results of superseded work are dropped. */
  const runRef = useRef(0);
  const fileInputId = useId();
  const { analyse } = ml.worker;
  const { addRecording } = voice;

  const runAnalysis = useCallback(
    async (clip: Clip, token: number) => {
      setFailure(null);
      setOutcome(null);
      setWork('analysing');
      try {
        checkClip(clip.pcm, SAMPLE_RATE);
      } catch (err) {
        if (token !== runRef.current) return;
        setWork('idle');
        setFailure({ error: toErrorInfo(err), clip });
        return;
      }
      const result = await analyse(clip.pcm);
      if (token !== runRef.current) return;
      setWork('idle');
      if (result.ok) {
        setOutcome({ summary: result.value, clip });
        if (clip.recorded) addRecording();
      } else setFailure({ error: result.error, clip });
    },
    [analyse, addRecording],
  );

  const acceptClip = useCallback(
    (clip: Clip) => {
      const token = ++runRef.current;
      setLastClip(clip);
      void runAnalysis(clip, token);
    },
    [runAnalysis],
  );

  const recorder = useRecorder({
    onClip: (pcm, autoStop) => {
      setStopNotice(autoStop);
      const clipped = clippingWarning([pcm]);
      acceptClip({ pcm, source: 'Microphone recording', recorded: true, warnings: clipped === null ? [] : [clipped] });
    },
    onError: (error) => {
      setFailure({ error, clip: null });
    },
  });

  const onFile = useCallback(
    (file: File) => {
      const token = ++runRef.current;
      setFailure(null);
      setOutcome(null);
      setStopNotice(null);
      setWork('decoding');
      decodeAudioFile(file).then(
        ({ pcm, warnings }) => {
          if (token !== runRef.current) return;
          const clip: Clip = { pcm, source: file.name === '' ? 'Audio file' : file.name, recorded: false, warnings };
          setLastClip(clip);
          void runAnalysis(clip, token);
        },
        (err: unknown) => {
          if (token !== runRef.current) return;
          setWork('idle');
          setFailure({ error: toErrorInfo(err), clip: null });
        },
      );
    },
    [runAnalysis],
  );

  const retryAnalysis = useCallback(
    (clip: Clip) => {
      acceptClip(clip);
    },
    [acceptClip],
  );

  const modelsReady = ml.phase === 'ready';
  const recording = recorder.status !== 'idle';
  const inputsDisabled = !modelsReady || work !== 'idle';

  useEffect(() => {
    registerScores((scored) => {
      setOutcome((o) =>
        o === null
          ? o
          : { ...o, summary: { ...o.summary, emotion: scored?.emotion ?? null, scorer: scored?.scorer ?? null } },
      );
    });
    return () => {
      registerScores(null);
    };
  }, [registerScores]);

  return (
    <>
      <div className="inputs">
        <Recorder
          status={recorder.status}
          level={recorder.level}
          elapsedSeconds={recorder.elapsedSeconds}
          maxSeconds={MAX_CLIP_SECONDS}
          disabled={inputsDisabled}
          onToggle={recorder.toggle}
          keyboard={active}
        />
        <FileDrop disabled={inputsDisabled || recording} onFile={onFile} inputId={fileInputId} />
      </div>
      {!modelsReady && ml.phase !== 'failed' ? (
        <p className="muted small center">Recording and file analysis start once the models are ready.</p>
      ) : null}

      <AutoStopNotice
        reason={stopNotice}
        onDismiss={() => {
          setStopNotice(null);
        }}
      />

      <div className="status-line" aria-live="polite">
        {work !== 'idle' ? (
          <p className="busy" data-testid="busy" role="status">
            <span className="spinner" aria-hidden="true" />
            {work === 'decoding' ? 'Reading the file…' : 'Analysing…'}
          </p>
        ) : null}
      </div>

      {failure && ml.phase !== 'failed' ? (
        <ErrorBanner
          title={failure.clip ? 'The clip could not be analysed' : 'That did not work'}
          error={failure.error}
          onDismiss={() => {
            setFailure(null);
          }}
          actions={
            failure.clip ? (
              <ClipFailureActions
                code={failure.error.code}
                pcm={failure.clip.pcm}
                source={failure.clip.source}
                recorded={failure.clip.recorded}
                disabled={inputsDisabled}
                fileInputId={fileInputId}
                onRetry={() => {
                  if (failure.clip) retryAnalysis(failure.clip);
                }}
                onRecordAgain={recorder.toggle}
              />
            ) : failsAgain(failure.error.code) ? (
              <label htmlFor={fileInputId} className="button" data-testid="choose-another">
                Choose another file…
              </label>
            ) : undefined
          }
        />
      ) : null}

      {lastClip && (outcome !== null || failure?.clip === lastClip) ? (
        <ClipWarnings warnings={lastClip.warnings} />
      ) : null}

      {outcome || modelsReady ? (
        <div className={outcome ? 'results' : 'results solo'}>
          {outcome ? (
            <TranscriptPanel summary={outcome.summary} source={outcome.clip.source} onUseFullPair={onUseFullPair} />
          ) : null}
          <EmotionPanel
            emotion={outcome?.summary.emotion ?? null}
            scorer={outcome?.summary.scorer ?? null}
            analysed={outcome !== null}
            head={head}
            voice={voice}
            pair={pair}
            embeddedPair={embeddedPair}
            disabled={inputsDisabled}
          />
        </div>
      ) : null}

      {lastClip && !failure?.clip ? (
        <p className="last-clip muted small">
          Last clip: {lastClip.source}, {(lastClip.pcm.length / SAMPLE_RATE).toFixed(2)} s{' '}
          <SaveClipButton
            pcm={lastClip.pcm}
            sampleRate={SAMPLE_RATE}
            name={lastClip.source}
            testId="save-last"
            label="Save as WAV"
          />
        </p>
      ) : null}
    </>
  );
}
