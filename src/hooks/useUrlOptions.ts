import { useCallback, useEffect, useState } from 'react';
import { parseUrlOptions, withUrlOptions, type UrlOptions } from '../page/url-options';

/**
 * The page's URL options as state. `setPair` updates the address bar too (replaceState, so Back still leaves
 * the page), which keeps a reload on the chosen models; null removes `?pair` (the page then chooses).
 */
export function useUrlOptions(): [UrlOptions, (pair: string | null) => void] {
  const [options, setOptions] = useState<UrlOptions>(() => parseUrlOptions(window.location.search));

  useEffect(() => {
    const onPop = (): void => {
      setOptions(parseUrlOptions(window.location.search));
    };
    window.addEventListener('popstate', onPop);
    return () => {
      window.removeEventListener('popstate', onPop);
    };
  }, []);

  const setPair = useCallback((pair: string | null) => {
    // The address bar is the source of truth; state follows it.
    const next: UrlOptions = { ...parseUrlOptions(window.location.search), pair };
    const url = `${window.location.pathname}${withUrlOptions(window.location.search, next)}${window.location.hash}`;
    window.history.replaceState(window.history.state, '', url);
    setOptions(next);
  }, []);

  return [options, setPair];
}
