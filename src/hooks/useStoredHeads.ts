/**
 * The Heads screen's actions on heads kept in the clip library: choosing and importing (through useHead, which owns
 * which head classifies), exporting (the same `config.json` + `model.safetensors` the CLI reads and writes),
 * renaming and deleting.
 */
import { useCallback, useState } from 'react';
import { AppError, toErrorInfo, type ErrorInfo, type Result } from '../core/errors';
import { downloadBlob } from '../page/save-file';
import { HEAD_TRAINING_FILE } from '../mmer/head-split';
import type { PickedFile } from '../page/head-files';
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

/**
 * @param head the owner of the active head (useHead): choosing and importing go through it
 * @param library the clip library the heads are kept in
 */
export function useStoredHeads(head: UseHead, library: UseLibrary): UseStoredHeads {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const { store, refresh } = library;
  const { chooseStored, importHead, forgetStored } = head;

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

  /** Throws the error of a failed worker answer, so `work` shows it. */
  const check = (r: Result<unknown>): void => {
    if (!r.ok) throw new AppError(r.error.code, r.error.message);
  };

  const use = useCallback(
    (id: string) =>
      work(async () => {
        check(await chooseStored(id));
      }),
    [work, chooseStored],
  );

  const importFiles = useCallback(
    (picked: readonly PickedFile[]) =>
      work(async () => {
        check(await importHead(picked));
      }),
    [work, importHead],
  );

  const exportHead = useCallback(
    (id: string) =>
      work(async () => {
        const files = await store?.getHeadFiles(id);
        if (files === null || files === undefined)
          throw new AppError('bad-model', 'That head is no longer in the library.');
        downloadBlob(new Blob([files.configJson], { type: 'application/json' }), 'config.json');
        const bytes = (data: Uint8Array): Blob =>
          new Blob([data as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
        downloadBlob(bytes(files.weights), 'model.safetensors');
        // A split head's training part goes with it, so the export imports back whole.
        if (files.training !== undefined) downloadBlob(bytes(files.training), HEAD_TRAINING_FILE);
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
        await forgetStored(id);
        await refresh();
      }),
    [work, store, forgetStored, refresh],
  );

  return {
    activeId: head.activeStoredId,
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
