import { useCallback, useEffect, useRef, useState } from 'react';
import { CLIP_RATE, decodeAudioFile } from './audio/decode-file';
import type { AutoStopReason } from './audio/capture';
import { checkClip, MAX_CLIP_SECONDS } from './audio/validate';
import { toErrorInfo, type ErrorInfo } from './core/errors';
import { BackendBadge } from './components/BackendBadge';
import { EmotionPanel } from './components/EmotionPanel';
import { ErrorBanner } from './components/ErrorBanner';
import { FileDrop } from './components/FileDrop';
import { ModelProgress } from './components/ModelProgress';
import { AutoStopNotice } from './components/AutoStopNotice';
import { Notice } from './components/Notice';
import { PairSelector } from './components/PairSelector';
import { Recorder } from './components/Recorder';
import { SaveClipButton } from './components/SaveClipButton';
import { TranscriptPanel } from './components/TranscriptPanel';
import { PAIRS, rejectedBackendLines } from './hooks/url-options';
import { useHead } from './hooks/useHead';
import { useMl } from './hooks/useMl';
import { useRecorder } from './hooks/useRecorder';
import { useUrlOptions } from './hooks/useUrlOptions';
import type { AnalysisSummary, EmotionScores } from './worker-api/protocol';

/** A clip ready for analysis: mono, 16 kHz. Kept after any failure so nothing the user recorded is lost. */
interface Clip {
  readonly pcm: Float32Array;
  /** "Microphone recording" or the file's name. */
  readonly source: string;
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

declare global {
  interface Window {
    /** Diagnostics, present with `?debug=1`. */
    __mmer?: { crashWorker: (when?: 'now' | 'during-next-analysis') => void };
  }
}

export function App() {
  const [options, setPair] = useUrlOptions();
  const ml = useMl(options.pair, options.backend);
  const [work, setWork] = useState<Work>('idle');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [lastClip, setLastClip] = useState<Clip | null>(null);
  const [stopNotice, setStopNotice] = useState<AutoStopReason | null>(null);
  const [dismissedCrashes, setDismissedCrashes] = useState(0);
  /** Incremented for every new piece of work; results of superseded work are dropped. */
  const runRef = useRef(0);
  const { analyse, debugCrash } = ml;
  // A head imported, replaced or removed re-scores the clip on screen (the worker keeps its features).
  const onScores = useCallback((emotion: EmotionScores | null) => {
    setOutcome((o) => (o === null ? o : { ...o, summary: { ...o.summary, emotion } }));
  }, []);
  const head = useHead(ml, options.pair, onScores);

  const runAnalysis = useCallback(
    async (clip: Clip, token: number) => {
      setFailure(null);
      setOutcome(null);
      setWork('analysing');
      try {
        checkClip(clip.pcm, CLIP_RATE);
      } catch (err) {
        if (token !== runRef.current) return;
        setWork('idle');
        setFailure({ error: toErrorInfo(err), clip });
        return;
      }
      const result = await analyse(clip.pcm);
      if (token !== runRef.current) return;
      setWork('idle');
      if (result.ok) setOutcome({ summary: result.value, clip });
      else setFailure({ error: result.error, clip });
    },
    [analyse],
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
      acceptClip({ pcm, source: 'Microphone recording' });
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
        (pcm) => {
          if (token !== runRef.current) return;
          const clip: Clip = { pcm, source: file.name === '' ? 'Audio file' : file.name };
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

  const changePair = useCallback(
    (pair: string) => {
      runRef.current++;
      setWork('idle');
      setFailure(null);
      setOutcome(null);
      setPair(pair);
    },
    [setPair],
  );

  // `?debug=1` exposes a way to crash the worker, to try (and test) the recovery path.
  useEffect(() => {
    if (!new URLSearchParams(window.location.search).has('debug')) return;
    window.__mmer = { crashWorker: debugCrash };
    return () => {
      delete window.__mmer;
    };
  }, [debugCrash]);

  const modelsReady = ml.phase === 'ready';
  const recording = recorder.status !== 'idle';
  const inputsDisabled = !modelsReady || work !== 'idle';
  const pairInfo = PAIRS.find((p) => p.id === options.pair);
  const pairLabel = pairInfo?.label ?? options.pair;
  const rejected = rejectedBackendLines(ml.backend);
  const crash = ml.crash !== null && ml.crash.restarts > dismissedCrashes ? ml.crash : null;

  return (
    <div className="app">
      <header className="app-header">
        <div className="brand">
          <h1>MMER</h1>
          <p className="tagline">Speech emotion recognition that runs entirely in your browser</p>
        </div>
        <div className="header-controls">
          <PairSelector pair={options.pair} disabled={recording || work !== 'idle'} onChange={changePair} />
          <BackendBadge info={ml.backend} requested={options.backend} />
        </div>
      </header>

      <main className="app-main">
        {rejected.length > 0 ? (
          <Notice tone="info" testId="backend-rejected">
            {rejected.map((line) => (
              <div key={line}>{line}</div>
            ))}
          </Notice>
        ) : null}
        {crash ? (
          <Notice
            tone="warning"
            testId="notice"
            onDismiss={() => {
              setDismissedCrashes(crash.restarts);
            }}
          >
            The ML engine stopped unexpectedly and was restarted ({crash.restarts}).
            {ml.restarting ? ' Reloading the models…' : ''}
          </Notice>
        ) : null}

        <ModelProgress
          phase={ml.phase}
          progress={ml.progress}
          pairLabel={pairLabel}
          restarting={ml.restarting}
          error={ml.error}
          onRetry={ml.retry}
        />

        <div className="inputs">
          <Recorder
            status={recorder.status}
            level={recorder.level}
            elapsedSeconds={recorder.elapsedSeconds}
            maxSeconds={MAX_CLIP_SECONDS}
            disabled={inputsDisabled}
            onToggle={recorder.toggle}
          />
          <FileDrop disabled={inputsDisabled || recording} onFile={onFile} />
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
                <>
                  <button
                    type="button"
                    className="button"
                    data-testid="retry"
                    disabled={inputsDisabled}
                    onClick={() => {
                      if (failure.clip) retryAnalysis(failure.clip);
                    }}
                  >
                    Retry analysis
                  </button>
                  <SaveClipButton pcm={failure.clip.pcm} sampleRate={CLIP_RATE} name={failure.clip.source} />
                </>
              ) : undefined
            }
          />
        ) : null}

        {outcome || modelsReady ? (
          <div className={outcome ? 'results' : 'results solo'}>
            {outcome ? <TranscriptPanel summary={outcome.summary} source={outcome.clip.source} /> : null}
            <EmotionPanel emotion={outcome?.summary.emotion ?? null} analysed={outcome !== null} head={head} disabled={inputsDisabled} />
          </div>
        ) : null}

        {lastClip && !failure?.clip ? (
          <p className="last-clip muted small">
            Last clip: {lastClip.source}, {(lastClip.pcm.length / CLIP_RATE).toFixed(2)} s{' '}
            <SaveClipButton
              pcm={lastClip.pcm}
              sampleRate={CLIP_RATE}
              name={lastClip.source}
              testId="save-last"
              label="Save as WAV"
            />
          </p>
        ) : null}
      </main>

      <footer className="app-footer">
        <p>
          Private by design: the models run in this tab, and nothing you record or choose leaves the page. Models are
          downloaded once and cached by the browser.
        </p>
      </footer>
    </div>
  );
}
