import { useEffect, useState } from 'react';
import { readStorage, type StorageState } from '../page/storage';

/**
 * The page's storage use, read again whenever the library's clips or heads change (new arrays after every stored
 * edit), so the figure follows every import and deletion.
 */
export function useStorage(clips: readonly unknown[], heads: readonly unknown[]): StorageState | null {
  const [state, setState] = useState<StorageState | null>(null);
  useEffect(() => {
    let live = true;
    void readStorage().then((s) => {
      if (live) setState(s);
    });
    return () => {
      live = false;
    };
  }, [clips, heads]);
  return state;
}
