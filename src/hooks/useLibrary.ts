/**
 * The page's view of the local clip library (IndexedDB): clips, label sets, stored heads, and the edits a person
 * makes. Every edit is written first and shown after, so the screen never shows something that was not stored; a
 * failed write (a full disk) leaves everything as it was and says why.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { AppError, toErrorInfo, type ErrorInfo, type Result } from '../core/errors';
import { IdbClipLibrary } from '../data/library/idb-library';
import type {
  ClipLibrary,
  ClipPatch,
  DeletedClips,
  LabelSet,
  LibraryClip,
  NewClip,
  StoredHeadInfo,
} from '../data/library/library-types';
import { openLibraryChannel, type LibraryChannel } from '../page/library-channel';
import { askToPersist } from '../page/storage';

export type LibraryStatus = 'opening' | 'ready' | 'failed';

export interface UseLibrary {
  readonly status: LibraryStatus;
  /** Why opening or the last edit failed; null when all is well. */
  readonly error: ErrorInfo | null;
  readonly store: ClipLibrary | null;
  /** Newest first. */
  readonly clips: readonly LibraryClip[];
  readonly labelSets: readonly LabelSet[];
  readonly activeSet: LabelSet | null;
  readonly heads: readonly StoredHeadInfo[];
  /** Clips of the last deletion, until it is undone or another deletion replaces it. */
  readonly lastDeleted: DeletedClips | null;
  readonly addClips: (clips: readonly NewClip[]) => Promise<Result<LibraryClip[]>>;
  readonly updateClips: (ids: readonly string[], patch: ClipPatch) => Promise<Result<LibraryClip[]>>;
  readonly deleteClips: (ids: readonly string[]) => Promise<Result<DeletedClips>>;
  readonly undoDelete: () => Promise<Result<null>>;
  readonly forgetDeleted: () => void;
  readonly saveLabelSet: (set: LabelSet) => Promise<Result<null>>;
  readonly deleteLabelSet: (id: string) => Promise<Result<null>>;
  readonly setActiveSet: (id: string) => Promise<Result<null>>;
  /** Reads clips, label sets and heads again (after the worker wrote to the library). */
  readonly refresh: () => Promise<void>;
  readonly dismissError: () => void;
}

interface Snapshot {
  readonly clips: readonly LibraryClip[];
  readonly labelSets: readonly LabelSet[];
  readonly activeSetId: string | null;
  readonly heads: readonly StoredHeadInfo[];
}

const EMPTY: Snapshot = { clips: [], labelSets: [], activeSetId: null, heads: [] };

async function readAll(store: ClipLibrary): Promise<Snapshot> {
  const [clips, labelSets, activeSetId, heads] = await Promise.all([
    store.listClips(),
    store.listLabelSets(),
    store.getSetting('activeLabelSet'),
    store.listHeads(),
  ]);
  clips.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.name.localeCompare(b.name));
  heads.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return { clips, labelSets, activeSetId, heads };
}

export function useLibrary(): UseLibrary {
  const [store, setStore] = useState<ClipLibrary | null>(null);
  const [status, setStatus] = useState<LibraryStatus>('opening');
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [snap, setSnap] = useState<Snapshot>(EMPTY);
  /** Clips in the library as last read: an add knows whether it is the first without listing them all again. */
  const clipCount = useRef(0);
  const [lastDeleted, setLastDeleted] = useState<DeletedClips | null>(null);
  const storeRef = useRef<ClipLibrary | null>(null);

  useEffect(() => {
    let live = true;
    let opened: ClipLibrary | null = null;
    IdbClipLibrary.open()
      .then(async (lib) => {
        opened = lib;
        const first = await readAll(lib);
        if (!live) return;
        storeRef.current = lib;
        setStore(lib);
        clipCount.current = first.clips.length;
        setSnap(first);
        setStatus('ready');
      })
      .catch((err: unknown) => {
        if (!live) return;
        setStatus('failed');
        const info = toErrorInfo(err);
        setError({
          code: info.code,
          message: `The clip library could not be opened: ${info.message} Private windows and some browser settings block this site's storage.`,
        });
      });
    return () => {
      live = false;
      opened?.close();
      storeRef.current = null;
    };
  }, []);

  /** Reads the library again, as it is now (after this tab or another one changed it). */
  const reread = useCallback(async () => {
    const lib = storeRef.current;
    if (lib === null) return;
    const read = await readAll(lib);
    clipCount.current = read.clips.length;
    setSnap(read);
  }, []);

  const channelRef = useRef<LibraryChannel | null>(null);
  useEffect(() => {
    const channel = openLibraryChannel(() => {
      void reread().catch(() => undefined);
    });
    channelRef.current = channel;
    return () => {
      channel.close();
      channelRef.current = null;
    };
  }, [reread]);

  /** Reads the library again and tells other tabs it changed (this tab or its worker wrote to it). */
  const refresh = useCallback(async () => {
    await reread();
    channelRef.current?.announce();
  }, [reread]);

  /** Runs an edit against the store, then reads the library again; failures are shown and returned. */
  const edit = useCallback(
    async <T>(fn: (lib: ClipLibrary) => Promise<T>): Promise<Result<T>> => {
      const lib = storeRef.current;
      if (lib === null) return { ok: false, error: { code: 'internal', message: 'The clip library is not open yet.' } };
      try {
        const value = await fn(lib);
        await refresh();
        setError(null);
        return { ok: true, value };
      } catch (err) {
        const info = toErrorInfo(err);
        setError(info);
        // What the screen shows may be stale after a failure elsewhere (another tab): read it again.
        await reread().catch(() => undefined);
        return { ok: false, error: info };
      }
    },
    [refresh, reread],
  );

  const addClips = useCallback(
    (clips: readonly NewClip[]) =>
      edit(async (lib) => {
        const first = clipCount.current === 0;
        const added = await lib.addClips(clips);
        // Once there is something worth keeping, the browser is asked not to clear it when space runs low.
        if (first && added.length > 0) void askToPersist();
        return added;
      }),
    [edit],
  );
  const updateClips = useCallback(
    (ids: readonly string[], patch: ClipPatch) => edit((lib) => lib.updateClips(ids, patch)),
    [edit],
  );
  const deleteClips = useCallback(
    async (ids: readonly string[]) => {
      const r = await edit((lib) => lib.deleteClips(ids));
      if (r.ok) setLastDeleted(r.value);
      return r;
    },
    [edit],
  );
  const undoDelete = useCallback(async () => {
    const deleted = lastDeleted;
    if (deleted === null) return { ok: true as const, value: null };
    const r = await edit(async (lib) => {
      await lib.restoreClips(deleted);
      return null;
    });
    if (r.ok) setLastDeleted(null);
    return r;
  }, [edit, lastDeleted]);
  const forgetDeleted = useCallback(() => {
    setLastDeleted(null);
  }, []);
  const saveLabelSet = useCallback(
    (set: LabelSet) =>
      edit(async (lib) => {
        await lib.putLabelSet(set);
        return null;
      }),
    [edit],
  );
  const deleteLabelSet = useCallback(
    (id: string) =>
      edit(async (lib) => {
        await lib.deleteLabelSet(id);
        return null;
      }),
    [edit],
  );
  const setActiveSet = useCallback(
    (id: string) =>
      edit(async (lib) => {
        const sets = await lib.listLabelSets();
        if (!sets.some((s) => s.id === id)) throw new AppError('bad-dataset', 'That label set no longer exists.');
        await lib.setSetting('activeLabelSet', id);
        return null;
      }),
    [edit],
  );
  const dismissError = useCallback(() => {
    setError(null);
  }, []);

  const activeSet =
    snap.labelSets.find((s) => s.id === snap.activeSetId) ?? snap.labelSets.find((s) => s.builtin) ?? null;
  return {
    status,
    error,
    store,
    clips: snap.clips,
    labelSets: snap.labelSets,
    activeSet,
    heads: snap.heads,
    lastDeleted,
    addClips,
    updateClips,
    deleteClips,
    undoDelete,
    forgetDeleted,
    saveLabelSet,
    deleteLabelSet,
    setActiveSet,
    refresh,
    dismissError,
  };
}
