/**
 * Heads kept in the clip library: which one classifies (remembered per model pair and loaded again after a reload),
 * importing a head's two files into the library, exporting them (the same `config.json` + `model.safetensors` the CLI
 * reads and writes), renaming and deleting. A head is checked by the worker before it is stored or used.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { AppError, toErrorInfo, type ErrorInfo } from '../core/errors';
import type { StoredHeadInfo } from '../data/library/library-types';
import { downloadBlob } from '../page/save-file';
import { readHeadFiles, type PickedFile } from '../page/head-files';
import type { UseHead } from './useHead';
import type { UseLibrary } from './useLibrary';

export interface UseStoredHeads {
  /** The stored head that classifies now (null: none, or a head that is not in the library). */
  readonly activeId: string | null;
  readonly busy: boolean;
  readonly error: ErrorInfo | null;
  readonly use: (id: string) => Promise<void>;
  readonly importFiles: (files: readonly PickedFile[]) => Promise<void>;
  readonly exportHead: (id: string) => Promise<void>;
  readonly rename: (id: string, name: string) => Promise<void>;
  readonly remove: (id: string) => Promise<void>;
  readonly dismissError: () => void;
}

/** config.json's `training` object, shown beside the head; anything else is ignored. */
function trainingOf(configJson: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(configJson);
    const t = typeof parsed === 'object' && parsed !== null ? (parsed as { training?: unknown }).training : undefined;
    return typeof t === 'object' && t !== null && !Array.isArray(t) ? (t as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function useStoredHeads(head: UseHead, library: UseLibrary, pair: string, mlKey: string): UseStoredHeads {
  const [activeId, setActiveId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const { store, refresh } = library;
  const { activate } = head;
  const restoredFor = useRef<string | null>(null);

  const work = useCallback(async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(toErrorInfo(err));
    } finally {
      setBusy(false);
    }
  }, []);

  const load = useCallback(
    async (id: string) => {
      if (store === null) throw new AppError('internal', 'The clip library is not open.');
      const files = await store.getHeadFiles(id);
      const info = (await store.listHeads()).find((h) => h.id === id);
      if (files === null || info === undefined)
        throw new AppError('bad-model', 'That head is no longer in the library.');
      const r = await activate({ ...files, source: `${info.name} (library)` });
      if (!r.ok) throw new AppError(r.error.code, r.error.message);
      await store.setSetting(`activeHead:${pair}`, id);
      setActiveId(id);
    },
    [store, activate, pair],
  );

  // After a reload or a new worker session, the head chosen last time for this pair classifies again.
  useEffect(() => {
    if (store === null || !head.settled || restoredFor.current === mlKey) return;
    restoredFor.current = mlKey;
    void store.getSetting(`activeHead:${pair}`).then((id) => {
      if (id === null) {
        setActiveId(null);
        return;
      }
      return work(() => load(id));
    });
  }, [store, head.settled, mlKey, pair, load, work]);

  const use = useCallback((id: string) => work(() => load(id)), [work, load]);

  const importFiles = useCallback(
    (picked: readonly PickedFile[]) =>
      work(async () => {
        if (store === null) throw new AppError('internal', 'The clip library is not open.');
        const files = await readHeadFiles(picked);
        // The worker checks the files against the loaded encoders; only a head that loads is stored.
        const r = await activate(files);
        if (!r.ok) throw new AppError(r.error.code, r.error.message);
        const h = r.value;
        const info: StoredHeadInfo = {
          id: crypto.randomUUID(),
          name: h.description ?? files.source,
          pair: h.pair,
          labels: h.labels,
          metrics: h.metrics,
          training: trainingOf(files.configJson),
          createdAt: h.createdAt,
          origin: 'imported',
        };
        await store.putHead(info, { configJson: files.configJson, weights: files.weights });
        await store.setSetting(`activeHead:${pair}`, info.id);
        setActiveId(info.id);
        await refresh();
      }),
    [work, store, activate, pair, refresh],
  );

  const exportHead = useCallback(
    (id: string) =>
      work(async () => {
        const files = await store?.getHeadFiles(id);
        if (files === null || files === undefined)
          throw new AppError('bad-model', 'That head is no longer in the library.');
        downloadBlob(new Blob([files.configJson], { type: 'application/json' }), 'config.json');
        downloadBlob(
          new Blob([files.weights as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
          'model.safetensors',
        );
      }),
    [work, store],
  );

  const rename = useCallback(
    (id: string, name: string) =>
      work(async () => {
        if (name.trim() === '') throw new AppError('bad-model', 'A head needs a name.');
        await store?.updateHead(id, { name: name.trim() });
        await refresh();
      }),
    [work, store, refresh],
  );

  const remove = useCallback(
    (id: string) =>
      work(async () => {
        await store?.deleteHead(id);
        if (activeId === id) {
          await store?.setSetting(`activeHead:${pair}`, null);
          setActiveId(null);
          head.remove();
        }
        await refresh();
      }),
    [work, store, refresh, activeId, pair, head],
  );

  return {
    activeId,
    busy,
    error,
    use,
    importFiles,
    exportHead,
    rename,
    remove,
    dismissError: () => {
      setError(null);
    },
  };
}
