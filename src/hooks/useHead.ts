/**
 * The one owner of "which emotion head classifies": what the worker runs (and the embedded head that scores while the
 * pair has none), and the person's choice behind it (a head of the clip library, no head, or the pair's built-in
 * head), saved per pair in the library (src/page/head-choice.ts). Each time a worker session becomes ready (first
 * load, reload, pair change, restart after a crash) the pair's choice is applied again. Every import, from the Classify
 * or the Heads screen, goes into the library first-class; where there is no library it is kept for this page only.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { toErrorInfo, type ErrorInfo, type Result } from '../core/errors';
import { saveChoice, savedChoice, storeImported, type HeadChoice } from '../page/head-choice';
import { readHeadFiles, type PickedFile } from '../page/head-files';
import { workerNoticeViews, type HeadNoticeView } from '../page/head-notices';
import type { HeadFiles, HeadInfo, ScoredEmotion } from '../worker-api/protocol';
import type { UseLibrary } from './useLibrary';
import type { UseMl } from './useMl';

/** The emotion head as the page shows it, and what the user can do with it. */
export interface UseHead {
  /** The loaded pair's own head (built in, imported or trained), or null. */
  readonly head: HeadInfo | null;
  /** The embedded pair's head, which scores clips while `head` is null; null when there is none for this pair. */
  readonly embedded: HeadInfo | null;
  /** The library head chosen for this pair, or null (built-in head, no head, or one kept outside the library). */
  readonly activeStoredId: string | null;
  /** True once the worker's head state of the current session has been read (false while models load). */
  readonly settled: boolean;
  /** True while a head is being read, loaded or removed. */
  readonly busy: boolean;
  /** Why the last import or removal on the Classify screen failed; the previous head is still active. */
  readonly error: ErrorInfo | null;
  readonly notices: readonly HeadNoticeView[];
  /** Classify screen: imports the picked/dropped files (stored in the library) as the active head. */
  readonly importFiles: (files: readonly PickedFile[]) => void;
  /** Imports picked files as the active head and stores them in the library; resolves to the worker's answer. */
  readonly importHead: (files: readonly PickedFile[]) => Promise<Result<HeadInfo>>;
  /** Makes a head of the library the active one for this pair. */
  readonly chooseStored: (id: string) => Promise<Result<HeadInfo>>;
  /** After a library head was deleted: if it was active, no head classifies from then on. */
  readonly forgetStored: (id: string) => Promise<void>;
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

const failed = (err: unknown): Result<never> => ({ ok: false, error: toErrorInfo(err) });

/**
 * @param ml the page's ML session (useMl)
 * @param pair the model pair in use; a chosen head belongs to it
 * @param library the clip library, where chosen heads and the choice per pair are kept
 * @param onScores receives the last clip's scores after the head changed (null: no head, or no clip to score)
 */
export function useHead(
  ml: MlHeadApi,
  pair: string,
  library: Pick<UseLibrary, 'status' | 'store' | 'refresh'>,
  onScores: (scored: ScoredEmotion | null) => void,
): UseHead {
  // A new value each time a worker session becomes ready: first init, pair change, retry, restart after a crash.
  const readyEpoch = ml.phase === 'ready' ? `${ml.key}#${String(ml.crash?.restarts ?? 0)}` : null;
  const [stored, setStored] = useState<Snapshot>(EMPTY);
  const snap = stored.epoch === readyEpoch ? stored : EMPTY;
  const [busy, setBusy] = useState(false);
  const [pageNotices, setPageNotices] = useState<HeadNoticeView[]>([]);
  const [choice, setChoice] = useState<HeadChoice | null>(null);
  const choiceRef = useRef<HeadChoice | null>(null);
  const epochRef = useRef(readyEpoch);
  const scoresRef = useRef(onScores);
  useEffect(() => {
    epochRef.current = readyEpoch;
    scoresRef.current = onScores;
  });
  const { loadHead, unloadHead, classifyLast, headStatus } = ml.worker;
  const { store, status: libraryStatus, refresh } = library;

  const remember = useCallback((c: HeadChoice | null) => {
    choiceRef.current = c;
    setChoice(c);
  }, []);

  /** Loads a head of the library into the worker (its stored name as the source). */
  const loadStored = useCallback(
    async (id: string, name: string): Promise<Result<HeadInfo>> => {
      const files = await store?.getHeadFiles(id);
      if (files === null || files === undefined)
        return { ok: false, error: { code: 'bad-model', message: 'That head is no longer in the library.' } };
      return loadHead({ ...files, source: name });
    },
    [store, loadHead],
  );

  // Each ready session: the pair's choice (this page's, else the one saved in the library) goes into the worker.
  useEffect(() => {
    if (readyEpoch === null || libraryStatus === 'opening') return;
    // An object, not a `let`: the check below runs after awaits, when the cleanup may have flipped it.
    const run = { live: true };
    void (async () => {
      let error: ErrorInfo | null = null;
      const previous = choiceRef.current;
      if (previous !== null && previous.pair !== pair) {
        remember(null);
        if (previous.kind !== 'none') {
          // A library head stays the choice of its own pair; files kept in memory only are gone for good.
          const back =
            previous.kind === 'stored' ? ` It classifies again when you switch back to "${previous.pair}".` : '';
          const text = `The head "${previous.name}" was trained for pair "${previous.pair}", so it does not classify with "${pair}".${back}`;
          setPageNotices((n) => [...n, { id: `dropped/${readyEpoch}`, tone: 'info', text }]);
        }
      }
      const c = choiceRef.current ?? (store === null ? null : await savedChoice(store, pair).catch(() => null));
      let r: Result<unknown> = { ok: true, value: null };
      if (c?.kind === 'stored') r = await loadStored(c.id, c.name);
      else if (c?.kind === 'files') r = await loadHead(c.files);
      else if (c?.kind === 'none') r = await unloadHead();
      if (!r.ok) error = r.error;
      const status = await headStatus();
      if (!run.live) return;
      remember(r.ok ? c : null);
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
  }, [readyEpoch, pair, store, libraryStatus, remember, loadStored, loadHead, unloadHead, headStatus]);

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

  /** A head now active in the worker becomes the pair's choice: shown, saved, and the clip on screen re-scored. */
  const adopt = useCallback(
    async (epoch: string | null, info: HeadInfo, c: HeadChoice) => {
      remember(c);
      update(epoch, { head: info, error: null });
      if (store !== null) await saveChoice(store, c);
      await rescoreIn(epoch);
    },
    [remember, update, store, rescoreIn],
  );

  const importHead = useCallback(
    async (picked: readonly PickedFile[]): Promise<Result<HeadInfo>> => {
      const epoch = epochRef.current;
      let files: HeadFiles;
      try {
        files = await readHeadFiles(picked);
      } catch (err) {
        return failed(err);
      }
      // The worker checks the files against the loaded encoders: only a head that loads is stored.
      const r = await loadHead(files);
      if (!r.ok) return r;
      const h = r.value;
      const kept: HeadChoice = { kind: 'files', pair, files, name: h.name };
      if (store === null) {
        await adopt(epoch, h, kept);
        return r;
      }
      let inLibrary: HeadChoice;
      try {
        inLibrary = await storeImported(store, pair, files, h);
      } catch (err) {
        // It classifies all the same, for this page only; the person is told why it will not be there next time.
        await adopt(epoch, h, kept);
        return failed(err);
      }
      await adopt(epoch, h, inLibrary);
      await refresh();
      return r;
    },
    [loadHead, pair, store, adopt, refresh],
  );

  const chooseStored = useCallback(
    async (id: string): Promise<Result<HeadInfo>> => {
      const epoch = epochRef.current;
      const info = store === null ? undefined : (await store.listHeads()).find((h) => h.id === id);
      if (info === undefined)
        return { ok: false, error: { code: 'bad-model', message: 'That head is no longer in the library.' } };
      const r = await loadStored(id, info.name);
      if (r.ok) await adopt(epoch, r.value, { kind: 'stored', pair, id, name: info.name });
      return r;
    },
    [store, loadStored, adopt, pair],
  );

  const removeNow = useCallback(async (): Promise<Result<null>> => {
    const epoch = epochRef.current;
    const r = await unloadHead();
    if (!r.ok) return r;
    remember({ kind: 'none', pair });
    update(epoch, { head: null, error: null });
    if (store !== null) await saveChoice(store, { kind: 'none', pair });
    await rescoreIn(epoch);
    return r;
  }, [unloadHead, remember, pair, update, store, rescoreIn]);

  /** Runs a Classify-screen action with the busy flag, its failure shown as the head's error. */
  const act = useCallback(
    (fn: () => Promise<Result<unknown>>) => {
      const epoch = epochRef.current;
      setBusy(true);
      update(epoch, { error: null });
      void fn()
        .then((r) => {
          if (!r.ok) update(epoch, { error: r.error });
        })
        .finally(() => {
          setBusy(false);
        });
    },
    [update],
  );

  const importFiles = useCallback(
    (picked: readonly PickedFile[]) => {
      act(() => importHead(picked));
    },
    [act, importHead],
  );
  const remove = useCallback(() => {
    act(removeNow);
  }, [act, removeNow]);
  const forgetStored = useCallback(
    async (id: string) => {
      const c = choiceRef.current;
      if (c?.kind === 'stored' && c.id === id) await removeNow();
    },
    [removeNow],
  );
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
    activeStoredId: choice?.kind === 'stored' && choice.pair === pair ? choice.id : null,
    settled: readyEpoch !== null && stored.epoch === readyEpoch,
    busy,
    error: snap.error,
    notices: [...pageNotices, ...snap.workerNotices],
    importFiles,
    importHead,
    chooseStored,
    forgetStored,
    remove,
    rescore,
    dismissError,
    dismissNotice,
  };
}
