/**
 * Which screen the page shows, kept in the address bar's hash (`#timeline`, `#library`, `#train`, `#heads`), so a reload stays
 * on it and Back moves between screens.
 */
import { useCallback, useEffect, useState } from 'react';

export type Screen = 'classify' | 'timeline' | 'library' | 'train' | 'heads';

export const SCREENS: readonly { readonly id: Screen; readonly label: string }[] = [
  { id: 'classify', label: 'Classify' },
  { id: 'timeline', label: 'Timeline' },
  { id: 'library', label: 'Library' },
  { id: 'train', label: 'Train' },
  { id: 'heads', label: 'Heads & evaluation' },
];

/** The screen named by a location hash; anything else is the classify screen. */
export function screenFromHash(hash: string): Screen {
  const id = hash.replace(/^#\/?/, '');
  return SCREENS.find((s) => s.id === id)?.id ?? 'classify';
}

export function useScreen(): [Screen, (screen: Screen) => void] {
  const [screen, setState] = useState<Screen>(() => screenFromHash(window.location.hash));
  useEffect(() => {
    const onHash = (): void => {
      setState(screenFromHash(window.location.hash));
    };
    window.addEventListener('hashchange', onHash);
    return () => {
      window.removeEventListener('hashchange', onHash);
    };
  }, []);
  const go = useCallback((next: Screen) => {
    // Setting the hash adds a history entry and fires hashchange, which updates the state.
    window.location.hash = next === 'classify' ? '' : next;
    setState(next);
  }, []);
  return [screen, go];
}
