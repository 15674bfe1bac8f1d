import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { BackendBadge } from './components/BackendBadge';
import { ClassifyScreen } from './components/ClassifyScreen';
import { HeadsScreen } from './components/heads/HeadsScreen';
import { LibraryScreen } from './components/library/LibraryScreen';
import { ModelProgress } from './components/ModelProgress';
import { TimelineScreen } from './components/timeline/TimelineScreen';
import { ModelChoice } from './components/ModelChoice';
import { Notice } from './components/Notice';
import { PairSelector } from './components/PairSelector';
import { loadedBuiltinLabels, startCandidates } from './components/training/start-options';
import { TrainScreen } from './components/training/TrainScreen';
import { UpdateNotice } from './components/UpdateNotice';
import { FULL_PAIR, PAIRS, rejectedBackendLines } from './page/url-options';
import { useAppUpdate } from './hooks/useAppUpdate';
import { useHead } from './hooks/useHead';
import { useLibrary } from './hooks/useLibrary';
import { useMl } from './hooks/useMl';
import { usePairChoice, type UsePairChoice } from './hooks/usePairChoice';
import { SCREENS, useScreen } from './hooks/useScreen';
import { useStoredHeads } from './hooks/useStoredHeads';
import { useTraining } from './hooks/useTraining';
import { useVoice } from './hooks/useVoice';
import type { ScoredEmotion } from './worker-api/protocol';
import { TEST_HOOKS } from './worker-api/test-hooks';

declare global {
  interface Window {
    /** Diagnostics, present with `?debug=1`. */
    __mmer?: { crashWorker: (when?: 'now' | 'during-next-analysis') => void };
  }
}

type ScoresSetter = (scored: ScoredEmotion | null) => void;

/** Decides the model pair (usePairChoice.ts), then shows the app for it. */
export function App() {
  const choice = usePairChoice();
  if (choice.pair === null) {
    return (
      <p className="muted center" data-testid="choosing-models">
        Choosing the models…
      </p>
    );
  }
  return <Workspace choice={choice} pair={choice.pair} />;
}

function Workspace({ choice, pair }: { readonly choice: UsePairChoice; readonly pair: string }) {
  const { options } = choice;
  const [screen, setScreen] = useScreen();
  const ml = useMl(pair, options.backend, !options.noBuiltinHead);
  const [dismissedCrashes, setDismissedCrashes] = useState(0);
  const { debugCrash } = ml.worker;
  // A head imported, replaced or removed re-scores the clip on the classify screen (the worker keeps its features).
  const scoresRef = useRef<ScoresSetter | null>(null);
  const onScores = useCallback((scored: ScoredEmotion | null) => {
    scoresRef.current?.(scored);
  }, []);
  const registerScores = useCallback((set: ScoresSetter | null) => {
    scoresRef.current = set;
  }, []);
  const library = useLibrary();
  const head = useHead(ml, pair, library, onScores);
  const { rescore } = head;
  const voice = useVoice(ml, rescore);
  const training = useTraining(ml, library, pair);
  const update = useAppUpdate();
  const storedHeads = useStoredHeads(head, library);
  const { loaded: pairLoaded, failed: pairFailed } = choice;
  const startFrom = useMemo(
    () =>
      startCandidates(
        choice.manifest?.heads ?? [],
        library.heads,
        pair,
        loadedBuiltinLabels([head.head, head.embedded]),
      ),
    [choice.manifest, library.heads, pair, head.head, head.embedded],
  );

  // A pair chosen in the page is remembered once it has loaded; a remembered one that fails gives way to the default.
  useEffect(() => {
    if (ml.phase === 'ready') pairLoaded(pair);
    else if (ml.phase === 'failed' && ml.error !== null) pairFailed(pair, ml.error);
  }, [ml.phase, ml.error, pair, pairLoaded, pairFailed]);
  const activateStored = head.chooseStored;
  const trainedHead = training.outcome?.kind === 'done' ? training.outcome.headId : null;

  // A head trained here classifies from then on (the previous one is a click away under Heads & evaluation).
  useEffect(() => {
    if (trainedHead !== null) void activateStored(trainedHead);
  }, [trainedHead, activateStored]);

  // `?debug=1` exposes a way to crash the worker, to try (and test) the recovery path; only builds with test hooks.
  useEffect(() => {
    if (!TEST_HOOKS || !new URLSearchParams(window.location.search).has('debug')) return;
    window.__mmer = { crashWorker: (when) => void debugCrash(when) };
    return () => {
      delete window.__mmer;
    };
  }, [debugCrash]);

  const pairInfo = PAIRS.find((p) => p.id === pair);
  const pairLabel = pairInfo?.label ?? pair;
  const useEmbedded = choice.embeddedPair !== null && choice.embeddedPair !== pair ? choice.embeddedPair : null;
  const offerFull =
    choice.manifest !== null && FULL_PAIR in choice.manifest.pairs && pair !== FULL_PAIR && !training.running;
  const chooseFull = (): void => {
    choice.choose(FULL_PAIR);
  };
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
          <PairSelector pair={pair} disabled={training.running} onChange={choice.choose} />
          <BackendBadge info={ml.backend} requested={options.backend} failed={ml.phase === 'failed'} />
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
        <UpdateNotice update={update} busy={training.running} />
        {rejected.length > 0 ? (
          <Notice tone="info" testId="backend-rejected">
            {rejected.map((line) => (
              <div key={line}>{line}</div>
            ))}
          </Notice>
        ) : null}
        {choice.notice !== null ? (
          <Notice tone="warning" testId="pair-notice" onDismiss={choice.dismissNotice}>
            {choice.notice}
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
          onAcceptChanged={() => {
            void ml.acceptChangedFiles();
          }}
          onUseEmbedded={
            useEmbedded === null
              ? null
              : () => {
                  choice.choose(useEmbedded);
                }
          }
        />

        <div className="classify" hidden={screen !== 'classify'}>
          {choice.manifest !== null ? (
            <ModelChoice
              manifest={choice.manifest}
              pair={pair}
              embeddedPair={choice.embeddedPair}
              backend={ml.backend}
              disabled={training.running}
              onChoose={choice.choose}
            />
          ) : null}
          <ClassifyScreen
            key={pair}
            ml={ml}
            head={head}
            voice={voice}
            pair={pair}
            embeddedPair={choice.embeddedPair === pair}
            active={screen === 'classify'}
            registerScores={registerScores}
            onUseFullPair={offerFull ? chooseFull : null}
          />
        </div>
        {/* Kept mounted like Classify: a long file's analysis goes on while another screen is shown. */}
        <div hidden={screen !== 'timeline'}>
          <TimelineScreen ml={ml} library={library} />
        </div>
        {screen === 'library' ? <LibraryScreen ml={ml} library={library} pair={pair} /> : null}
        {screen === 'train' ? (
          <TrainScreen ml={ml} library={library} training={training} pair={pair} startFrom={startFrom} />
        ) : null}
        {screen === 'heads' ? (
          <HeadsScreen ml={ml} library={library} head={head} heads={storedHeads} pair={pair} />
        ) : null}
      </main>

      <footer className="app-footer">
        <p>
          Private by design: the models run in this tab, and nothing you record or choose leaves the page. Clips, heads
          and training runs are kept in this browser's storage for this site. The embedded model needs no download;
          wav2vec2 + RoBERTa are downloaded once, if you ask for them, and cached.
        </p>
      </footer>
    </div>
  );
}
