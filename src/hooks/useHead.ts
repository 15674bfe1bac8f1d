/**
 * The page's view of the emotion head: which head the worker runs (and the embedded head that scores while the pair
 * has none), importing and removing heads, and the notices about them. The worker loads a pair's built-in head and
 * the embedded one by itself at init; this hook asks it what is active each time a session becomes ready. What the user chose (an imported head, or no head) is remembered per pair and applied
 * again to a restarted worker, so a crash loses nothing; switching pairs drops an imported head with a notice.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { toErrorInfo, type ErrorInfo, type Result } from '../core/errors';
import type { HeadFiles, HeadInfo, HeadNotice, ScoredEmotion } from '../worker-api/protocol';
import { readHeadFiles, type PickedFile } from '../page/head-files';
import { headNoticeText } from '../recognizer/notices';
import type { UseMl } from './useMl';

/** A message about the head for the user (warnings: a built-in head failed; info: a head was removed). */
export interface HeadNoticeView {
  readonly id: string;
  readonly tone: 'info' | 'warning';
  readonly text: string;
}

/** The user's last choice for a pair, replayed into a fresh worker. */
type Intent =
  | { readonly kind: 'imported'; readonly pair: string; readonly files: HeadFiles; readonly name: string }
  | { readonly kind: 'removed'; readonly pair: string };

/** The emotion head as the page shows it, and what the user can do with it. */
export interface UseHead {
  /** The loaded pair's own head (built in, imported or trained), or null. */
  readonly head: HeadInfo | null;
  /** The embedded pair's head, which scores clips while `head` is null; null when there is none for this pair. */
  readonly embedded: HeadInfo | null;
  /** True once the worker's head state of the current session has been read (false while models load). */
  readonly settled: boolean;
  /** True while a head is being read, loaded or removed. */
  readonly busy: boolean;
  /** Why the last import or removal failed; the previous head is still active. */
  readonly error: ErrorInfo | null;
  readonly notices: readonly HeadNoticeView[];
  /** Reads the picked/dropped files and loads them as the active head. */
  readonly importFiles: (files: readonly PickedFile[]) => void;
  /** Loads a head's files (e.g. from the clip library) as the active head; resolves to the worker's answer. */
  readonly activate: (files: HeadFiles) => Promise<Result<HeadInfo>>;
  readonly remove: () => void;
  /** Scores the clip on screen again (after the voice profile changed); its scores go to `onScores`. */
  readonly rescore: () => void;
  readonly dismissError: () => void;
  readonly dismissNotice: (id: string) => void;
}

type MlHeadApi = Pick<UseMl, 'phase' | 'key' | 'crash'> & {
  readonly worker: Pick<UseMl['worker'], 'loadHead' | 'unloadHead' | 'classifyLast' | 'headStatus'>;
};

/** Head state of one ready worker session; state of an older session is never shown. */
interface Snapshot {
  readonly epoch: string | null;
  readonly head: HeadInfo | null;
  readonly embedded: HeadInfo | null;
  readonly error: ErrorInfo | null;
  readonly workerNotices: readonly HeadNoticeView[];
}

const EMPTY: Snapshot = { epoch: null, head: null, embedded: null, error: null, workerNotices: [] };

function workerNoticeViews(notices: readonly HeadNotice[], epoch: string): HeadNoticeView[] {
  return notices.map((n, i) => ({
    id: `${epoch}/${i}`,
    tone: n.kind === 'dropped' ? 'info' : 'warning',
    text: headNoticeText(n),
  }));
}

/**
 * Follows the worker's emotion head across sessions and offers import and removal.
 * @param ml the page's ML session (useMl)
 * @param pair the model pair in use; an imported head belongs to it
 * @param onScores receives the last clip's scores after the head changed (null: no head, or no clip to score)
 */
export function useHead(ml: MlHeadApi, pair: string, onScores: (scored: ScoredEmotion | null) => void): UseHead {
  // A new value each time a worker session becomes ready: first init, pair change, retry, restart after a crash.
  const readyEpoch = ml.phase === 'ready' ? `${ml.key}#${String(ml.crash?.restarts ?? 0)}` : null;
  const [stored, setStored] = useState<Snapshot>(EMPTY);
  const snap = stored.epoch === readyEpoch ? stored : EMPTY;
  const [busy, setBusy] = useState(false);
  const [pageNotices, setPageNotices] = useState<HeadNoticeView[]>([]);
  const intentRef = useRef<Intent | null>(null);
  const epochRef = useRef(readyEpoch);
  const scoresRef = useRef(onScores);
  useEffect(() => {
    epochRef.current = readyEpoch;
    scoresRef.current = onScores;
  });
  const { loadHead, unloadHead, classifyLast, headStatus } = ml.worker;

  useEffect(() => {
    if (readyEpoch === null) return;
    // An object, not a `let`: the check below runs after awaits, when the cleanup may have flipped it.
    const run = { live: true };
    void (async () => {
      const intent = intentRef.current;
      let error: ErrorInfo | null = null;
      if (intent !== null && intent.pair !== pair) {
        intentRef.current = null;
        if (intent.kind === 'imported') {
          const text = `The imported head "${intent.name}" was removed: it was trained for pair "${intent.pair}", and the page now uses "${pair}".`;
          setPageNotices((n) => [...n, { id: `dropped/${readyEpoch}`, tone: 'info', text }]);
        }
      } else if (intent?.kind === 'imported') {
        const r = await loadHead(intent.files);
        if (!r.ok) error = r.error;
      } else if (intent?.kind === 'removed') {
        await unloadHead();
      }
      const status = await headStatus();
      if (!run.live) return;
      setStored(
        status.ok
          ? {
              epoch: readyEpoch,
              head: status.value.head,
              embedded: status.value.embedded,
              error,
              workerNotices: workerNoticeViews(status.value.notices, readyEpoch),
            }
          : { ...EMPTY, epoch: readyEpoch, error: status.error },
      );
    })();
    return () => {
      run.live = false;
    };
  }, [readyEpoch, pair, loadHead, unloadHead, headStatus]);

  /** Applies a change to the snapshot of `epoch`, unless that session has been replaced meanwhile. */
  const update = useCallback((epoch: string | null, patch: Partial<Snapshot>) => {
    setStored((s) => (epoch !== null && s.epoch === epoch ? { ...s, ...patch } : s));
  }, []);

  /** Scores the worker's last clip again and hands the result on (the embedded head scores once a head is removed). */
  const rescoreIn = useCallback(
    async (epoch: string | null) => {
      const scores = await classifyLast();
      // Without features in this worker (it was restarted) there is nothing to score: the clip must be analysed again.
      if (epochRef.current === epoch) scoresRef.current(scores.ok ? scores.value : null);
    },
    [classifyLast],
  );

  /** Loads `files` into the worker as the active head and re-scores the last clip; the previous head stays on failure. */
  const activate = useCallback(
    async (files: HeadFiles): Promise<Result<HeadInfo>> => {
      const epoch = epochRef.current;
      update(epoch, { error: null });
      const r = await loadHead(files);
      if (!r.ok) {
        update(epoch, { error: r.error });
        return r;
      }
      intentRef.current = { kind: 'imported', pair, files, name: r.value.name };
      update(epoch, { head: r.value });
      await rescoreIn(epoch);
      return r;
    },
    [loadHead, rescoreIn, pair, update],
  );

  const importFiles = useCallback(
    (picked: readonly PickedFile[]) => {
      const epoch = epochRef.current;
      setBusy(true);
      update(epoch, { error: null });
      void (async () => {
        try {
          await activate(await readHeadFiles(picked));
        } catch (err) {
          update(epoch, { error: toErrorInfo(err) });
        } finally {
          setBusy(false);
        }
      })();
    },
    [activate, update],
  );

  const remove = useCallback(() => {
    const epoch = epochRef.current;
    setBusy(true);
    update(epoch, { error: null });
    void (async () => {
      const r = await unloadHead();
      if (!r.ok) {
        setBusy(false);
        update(epoch, { error: r.error });
        return;
      }
      intentRef.current = { kind: 'removed', pair };
      update(epoch, { head: null });
      await rescoreIn(epoch);
      setBusy(false);
    })();
  }, [unloadHead, pair, update, rescoreIn]);

  const rescore = useCallback(() => {
    void rescoreIn(epochRef.current);
  }, [rescoreIn]);

  const dismissError = useCallback(() => {
    update(epochRef.current, { error: null });
  }, [update]);
  const dismissNotice = useCallback((id: string) => {
    setStored((s) => ({ ...s, workerNotices: s.workerNotices.filter((x) => x.id !== id) }));
    setPageNotices((n) => n.filter((x) => x.id !== id));
  }, []);

  return {
    head: snap.head,
    embedded: snap.embedded,
    settled: readyEpoch !== null && stored.epoch === readyEpoch,
    busy,
    error: snap.error,
    notices: [...pageNotices, ...snap.workerNotices],
    importFiles,
    activate,
    remove,
    rescore,
    dismissError,
    dismissNotice,
  };
}
