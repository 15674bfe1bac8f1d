import { useCallback, useEffect, useRef, useState } from 'react';
import { BackendBadge } from './components/BackendBadge';
import { ClassifyScreen } from './components/ClassifyScreen';
import { HeadsScreen } from './components/heads/HeadsScreen';
import { LibraryScreen } from './components/library/LibraryScreen';
import { ModelProgress } from './components/ModelProgress';
import { Notice } from './components/Notice';
import { PairSelector } from './components/PairSelector';
import { TrainScreen } from './components/training/TrainScreen';
import { PAIRS, rejectedBackendLines } from './hooks/url-options';
import { useHead } from './hooks/useHead';
import { useLibrary } from './hooks/useLibrary';
import { useMl } from './hooks/useMl';
import { SCREENS, useScreen } from './hooks/useScreen';
import { useStoredHeads } from './hooks/useStoredHeads';
import { useTraining } from './hooks/useTraining';
import { useUrlOptions } from './hooks/useUrlOptions';
import type { EmotionScores } from './worker-api/protocol';

declare global {
  interface Window {
    /** Diagnostics, present with `?debug=1`. */
    __mmer?: { crashWorker: (when?: 'now' | 'during-next-analysis') => void };
  }
}

type ScoresSetter = (emotion: EmotionScores | null) => void;

export function App() {
  const [options, setPair] = useUrlOptions();
  const [screen, setScreen] = useScreen();
  const ml = useMl(options.pair, options.backend);
  const [dismissedCrashes, setDismissedCrashes] = useState(0);
  const { debugCrash } = ml;
  // A head imported, replaced or removed re-scores the clip on the classify screen (the worker keeps its features).
  const scoresRef = useRef<ScoresSetter | null>(null);
  const onScores = useCallback((emotion: EmotionScores | null) => {
    scoresRef.current?.(emotion);
  }, []);
  const registerScores = useCallback((set: ScoresSetter | null) => {
    scoresRef.current = set;
  }, []);
  const head = useHead(ml, options.pair, onScores);
  const library = useLibrary();
  const training = useTraining(ml, library, options.pair);
  const storedHeads = useStoredHeads(head, library, options.pair, ml.key);
  const activateStored = storedHeads.use;
  const trainedHead = training.outcome?.kind === 'done' ? training.outcome.headId : null;

  // A head trained here classifies from then on (the previous one is a click away under Heads & evaluation).
  useEffect(() => {
    if (trainedHead !== null) void activateStored(trainedHead);
  }, [trainedHead, activateStored]);

  // `?debug=1` exposes a way to crash the worker, to try (and test) the recovery path.
  useEffect(() => {
    if (!new URLSearchParams(window.location.search).has('debug')) return;
    window.__mmer = { crashWorker: debugCrash };
    return () => {
      delete window.__mmer;
    };
  }, [debugCrash]);

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
          <PairSelector pair={options.pair} disabled={training.running} onChange={setPair} />
          <BackendBadge info={ml.backend} requested={options.backend} />
        </div>
      </header>
      <nav className="screen-tabs" aria-label="Screens">
        {SCREENS.map((s) => (
          <button
            key={s.id}
            type="button"
            className={`screen-tab${screen === s.id ? ' active' : ''}`}
            aria-current={screen === s.id ? 'page' : undefined}
            data-testid={`tab-${s.id}`}
            onClick={() => {
              setScreen(s.id);
            }}
          >
            {s.label}
            {s.id === 'train' && training.running ? <span className="tab-dot" aria-label="training" /> : null}
          </button>
        ))}
      </nav>

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

        <div hidden={screen !== 'classify'}>
          <ClassifyScreen key={options.pair} ml={ml} head={head} active={screen === 'classify'} registerScores={registerScores} />
        </div>
        {screen === 'library' ? <LibraryScreen ml={ml} library={library} pair={options.pair} /> : null}
        {screen === 'train' ? <TrainScreen ml={ml} library={library} training={training} pair={options.pair} /> : null}
        {screen === 'heads' ? <HeadsScreen ml={ml} library={library} head={head} heads={storedHeads} pair={options.pair} /> : null}
      </main>

      <footer className="app-footer">
        <p>
          Private by design: the models run in this tab, and nothing you record or choose leaves the page. Clips, heads
          and training runs are kept in this browser's storage for this site. Models are downloaded once and cached.
        </p>
      </footer>
    </div>
  );
}
